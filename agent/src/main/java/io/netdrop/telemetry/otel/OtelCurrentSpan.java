package io.netdrop.telemetry.otel;

import io.netdrop.sockets.CurrentSpan;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

/**
 * The current span of netdrop's own OpenTelemetry API copy: the application's span under the
 * OpenTelemetry Java agent (which bridges every API copy to its own context) or in netdrop's
 * embedded SDK. Allocates nothing when no context is current.
 */
public final class OtelCurrentSpan implements CurrentSpan {
  @Override
  public Object get() {
    Context context = Context.current();
    // Nothing current: an identity check. Under the agent's bridge a span lookup walks its list
    // of bridged keys (an iterator per call) even when there is no span.
    if (context == Context.root()) {
      return null;
    }
    Span span = Span.fromContext(context);
    // The API and the bridge return Span.getInvalid() for no valid span. Asking a bridged span
    // for its context instead builds a new SpanContext and TraceState on every call.
    return span == Span.getInvalid() ? null : span;
  }

  /**
   * Under the agent's bridge each read wraps the same span anew; the wrappers are equal when they
   * wrap the same span. (Span contexts are not compared: a bridged span builds its context anew on
   * each call, and two span objects of one context are at worst noted twice.)
   */
  @Override
  public boolean same(Object a, Object b) {
    return a == b || a.equals(b);
  }

  /**
   * A span that has ended can only parent a child span, for which its context is all it takes:
   * that is kept instead of the span (under the agent, its bridge wrapper and the SDK span behind
   * it with every attribute). A span still recording is kept as it is, to take events.
   */
  @Override
  public Object settle(Object span) {
    Span s = (Span) span;
    return s.isRecording() ? s : Span.wrap(s.getSpanContext());
  }
}
