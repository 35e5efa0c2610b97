package io.netdrop.telemetry.otel;

import io.netdrop.sockets.CurrentSpan;
import io.opentelemetry.api.trace.Span;

/**
 * The current span of netdrop's own OpenTelemetry API copy: the application's span under the
 * OpenTelemetry Java agent (which bridges every API copy to its own context) or in netdrop's
 * embedded SDK. Allocates nothing when no span is current.
 */
public final class OtelCurrentSpan implements CurrentSpan {
  @Override
  public Object get() {
    Span span = Span.current();
    return span.getSpanContext().isValid() ? span : null;
  }

  /** Under the agent's bridge each read may wrap the same span anew: compare span contexts. */
  @Override
  public boolean same(Object a, Object b) {
    return a == b
        || (a instanceof Span x && b instanceof Span y && x.getSpanContext().equals(y.getSpanContext()));
  }
}
