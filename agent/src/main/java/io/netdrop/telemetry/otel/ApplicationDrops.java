package io.netdrop.telemetry.otel;

import io.netdrop.telemetry.Drop;
import io.netdrop.telemetry.DropSink;
import io.netdrop.telemetry.TelemetryNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Drops as the application's own API copy takes them (defined in an {@link ApplicationApiLoader}):
 * a drop on a span that still records becomes a {@value TelemetryNames#DROP} span event on it; the
 * rest goes to the application's {@code GlobalOpenTelemetry} once adopted ({@link OtelDrops} there
 * makes the child span or log record), else to netdrop's own SDK, an application span handed over
 * as its {@link SpanIds}.
 *
 * <p>Uses only API methods that OpenTelemetry 1.0 has: it must link against any application's
 * copy, also where {@link OtelDrops} does not.
 */
final class ApplicationDrops implements DropSink {
  private final boolean traces;
  private final Set<String> redacted;
  private final DropSink fallback;
  private final Supplier<DropSink> global;

  /**
   * @param global the application's {@code GlobalOpenTelemetry} as an {@link OtelDrops}, or null
   *     while not adopted
   */
  ApplicationDrops(boolean traces, Set<String> redacted, DropSink fallback, Supplier<DropSink> global) {
    this.traces = traces;
    this.redacted = Set.copyOf(redacted);
    this.fallback = fallback;
    this.global = global;
  }

  @Override
  public void accept(Drop drop) {
    DropSink g = global.get();
    if (traces && drop.span() instanceof Span span) {
      if (span.isRecording()) {
        span.addEvent(TelemetryNames.DROP, attributes(drop.attributes(redacted)), epochNanos(drop.firstTime()), TimeUnit.NANOSECONDS);
        return;
      }
      if (g == null) {
        SpanContext c = span.getSpanContext();
        fallback.accept(SpanIds.withSpan(drop, new SpanIds(c.getTraceId(), c.getSpanId(), c.isSampled())));
        return;
      }
    }
    (g == null ? fallback : g).accept(drop);
  }

  /** As {@link OtelDrops}'s: its own copy, since {@link OtelDrops} may not link. */
  private static Attributes attributes(Map<String, Object> values) {
    AttributesBuilder b = Attributes.builder();
    values.forEach(
        (k, v) -> {
          if (v instanceof Long n) {
            b.put(AttributeKey.longKey(k), n);
          } else {
            b.put(AttributeKey.stringKey(k), String.valueOf(v));
          }
        });
    return b.build();
  }

  private static long epochNanos(Instant t) {
    return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
  }
}
