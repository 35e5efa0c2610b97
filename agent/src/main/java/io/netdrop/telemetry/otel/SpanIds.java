package io.netdrop.telemetry.otel;

import io.netdrop.telemetry.Drop;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;

/**
 * An application span by its ids, handed from the application's API copy to netdrop's own SDK,
 * which cannot use the span object itself: there it becomes the parent of a child span.
 *
 * @param traceId 32 lower-case hex digits
 * @param spanId 16 lower-case hex digits
 * @param sampled whether the span is sampled
 */
public record SpanIds(String traceId, String spanId, boolean sampled) {
  /** The span as a non-recording span of netdrop's own API copy. */
  Span asSpan() {
    return Span.wrap(
        SpanContext.create(
            traceId, spanId, sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault()));
  }

  /** {@code d} with {@code span} as the span that used the connection (public: both sides use it). */
  public static Drop withSpan(Drop d, Object span) {
    return new Drop(
        d.reason(), d.location(), d.count(), d.firstNanos(), d.lastNanos(), d.firstTime(), d.transport(),
        d.networkType(), d.localAddress(), d.localPort(), d.peerAddress(), d.peerPort(), d.direction(),
        d.role(), d.creator(), d.socketInode(), d.length(), span, d.spanLastUseNanos(), d.line());
  }
}
