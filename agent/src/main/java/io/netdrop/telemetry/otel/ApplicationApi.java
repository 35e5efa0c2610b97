package io.netdrop.telemetry.otel;

import io.netdrop.sockets.CurrentSpan;
import io.netdrop.telemetry.DropCounts;
import io.netdrop.telemetry.DropSink;
import java.util.Objects;
import java.util.Set;

/**
 * What netdrop writes through the application's own copy of the OpenTelemetry API. Implemented by
 * {@code LinkedApplicationApi}, which an {@link ApplicationApiLoader} defines so that it links
 * against that copy; only types that netdrop's and the application's side share (netdrop's own
 * and the JDK's) cross this interface.
 */
public interface ApplicationApi extends AutoCloseable {
  /** Where the application's {@code GlobalOpenTelemetry} stands. */
  enum Global {
    /** Not set yet: the application may still register its SDK. */
    NOT_SET,
    /** Set to the no-op: it stays so. */
    NOOP,
    /** Set to an SDK, which now takes what {@link Settings} allowed. */
    ADOPTED
  }

  /**
   * @param version netdrop's version, the instrumentation scope's
   * @param traces whether drops become span events and child spans
   * @param logs whether drops without a span become log records
   * @param childSpanWindowMillis see {@link OtelDrops}
   * @param redacted attribute keys never written
   * @param counts the numbers behind the metrics, or null for no metrics
   * @param fallback netdrop's own SDK, for what the application's cannot take; a span is handed
   *     over as {@link SpanIds}
   * @param globalDrops whether {@link OtelDrops} links against the application's API, so child
   *     spans and log records can go to its {@code GlobalOpenTelemetry}
   * @param globalMetrics whether {@link DropMetrics} links against it
   */
  record Settings(
      String version,
      boolean traces,
      boolean logs,
      long childSpanWindowMillis,
      Set<String> redacted,
      DropCounts counts,
      DropSink fallback,
      boolean globalDrops,
      boolean globalMetrics) {
    public Settings {
      Objects.requireNonNull(fallback, "fallback");
      redacted = Set.copyOf(redacted);
    }
  }

  /** Reads the application's current span ({@code Span.current()} of its API). */
  CurrentSpan currentSpan();

  /**
   * Writes a drop on one of the application's spans as a span event while it records; everything
   * else to the application's {@code GlobalOpenTelemetry} once adopted, else to {@link
   * Settings#fallback}.
   */
  DropSink drops();

  /**
   * Adopts the application's {@code GlobalOpenTelemetry} if it is set now. Never calls {@code
   * GlobalOpenTelemetry.get()} before that: it would register the no-op for good.
   */
  Global adoptGlobal();

  /** Unregisters netdrop's metrics from the application's SDK, which lives on. */
  @Override
  void close();
}
