package io.netdrop.telemetry.otel;

import io.netdrop.telemetry.Drop;
import io.netdrop.telemetry.DropSink;
import io.netdrop.telemetry.TelemetryNames;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Puts each drop where a user of traces looks for it:
 *
 * <ul>
 *   <li>on the span that used the connection, as a {@value TelemetryNames#DROP} span event at the
 *       drop's time, while that span is still recording;
 *   <li>if it has ended, as a short {@value TelemetryNames#DROP} child span under it, spanning the
 *       drop (or burst) — but only if the drop came within {@code childWindowNanos} of that span's
 *       last use of the connection, so that a socket whose last user ended long ago does not grow
 *       children in an old trace;
 *   <li>otherwise (no span, or too late for one) as a {@value TelemetryNames#DROP} log record.
 * </ul>
 *
 * A span is never invented: without a span that used the connection there is no span.
 */
public final class OtelDrops implements DropSink {
  private final Tracer tracer;
  private final Logger logger;
  private final boolean traces;
  private final boolean logs;
  private final long childWindowNanos;
  private final Set<String> redacted;

  /**
   * @param otel where spans and logs go
   * @param version netdrop's version, the instrumentation scope's
   * @param traces whether span events and child spans are written
   * @param logs whether log records are written
   * @param childWindowMillis how long after a span's last use of the connection a drop still
   *     becomes its child span
   * @param redacted attribute keys never written
   */
  public OtelDrops(
      OpenTelemetry otel, String version, boolean traces, boolean logs, long childWindowMillis,
      Set<String> redacted) {
    Objects.requireNonNull(otel, "otel");
    this.tracer = otel.tracerBuilder(TelemetryNames.SCOPE).setInstrumentationVersion(version).build();
    this.logger =
        otel.getLogsBridge().loggerBuilder(TelemetryNames.SCOPE).setInstrumentationVersion(version).build();
    this.traces = traces;
    this.logs = logs;
    this.childWindowNanos = TimeUnit.MILLISECONDS.toNanos(childWindowMillis);
    this.redacted = Set.copyOf(redacted);
  }

  /** Where a drop went: what {@link #accept} did with it. */
  public enum Outcome {
    SPAN_EVENT,
    CHILD_SPAN,
    LOG_RECORD,
    NONE
  }

  @Override
  public void accept(Drop drop) {
    emit(drop);
  }

  /** As {@link #accept}, saying where the drop went. */
  public Outcome emit(Drop drop) {
    Attributes attributes = attributes(drop.attributes(redacted));
    if (traces && drop.span() instanceof Span span) {
      if (span.isRecording()) {
        span.addEvent(TelemetryNames.DROP, attributes, epochNanos(drop.firstTime()), TimeUnit.NANOSECONDS);
        return Outcome.SPAN_EVENT;
      }
      SpanContext parent = span.getSpanContext();
      if (parent.isSampled() && drop.firstNanos() - drop.spanLastUseNanos() <= childWindowNanos) {
        tracer
            .spanBuilder(TelemetryNames.DROP)
            .setParent(Context.root().with(Span.wrap(parent)))
            .setSpanKind(SpanKind.INTERNAL)
            .setStartTimestamp(epochNanos(drop.firstTime()), TimeUnit.NANOSECONDS)
            .setAllAttributes(attributes)
            .startSpan()
            .end(epochNanos(drop.lastTime()), TimeUnit.NANOSECONDS);
        return Outcome.CHILD_SPAN;
      }
    }
    if (!logs) {
      return Outcome.NONE;
    }
    logger
        .logRecordBuilder()
        .setEventName(TelemetryNames.DROP)
        .setTimestamp(epochNanos(drop.firstTime()), TimeUnit.NANOSECONDS)
        .setContext(Context.root())
        .setSeverity(Severity.WARN)
        .setSeverityText("WARN")
        .setBody(drop.line() == null ? drop.reason() : drop.line())
        .setAllAttributes(attributes)
        .emit();
    return Outcome.LOG_RECORD;
  }

  /** OpenTelemetry attributes of a {@link Drop#attributes} map (values String or Long). */
  static Attributes attributes(Map<String, Object> values) {
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
