package io.netdrop.telemetry.otel;

import io.netdrop.sockets.CurrentSpan;
import io.netdrop.telemetry.DropSink;
import io.netdrop.telemetry.TelemetryNames;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.TracerProvider;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * {@link ApplicationApi} linked against the application's own API copy: defined by an {@link
 * ApplicationApiLoader}, never by netdrop's class loader. {@link OtelDrops} and {@link
 * DropMetrics} are used only where {@link ApplicationApi.Settings} says they link.
 */
public final class LinkedApplicationApi implements ApplicationApi {
  private final Settings settings;
  private final ApplicationDrops drops;
  private final GlobalCheck isSet;
  private volatile DropSink global;
  private AutoCloseable metrics;
  private boolean adopted;

  /** Reads whether {@code GlobalOpenTelemetry} is set, without setting it. */
  @FunctionalInterface
  private interface GlobalCheck {
    boolean isSet() throws ReflectiveOperationException;
  }

  public LinkedApplicationApi(Settings settings) {
    this.settings = settings;
    this.drops = new ApplicationDrops(settings.traces(), settings.redacted(), settings.fallback(), () -> global);
    this.isSet = globalCheck();
  }

  /** {@code GlobalOpenTelemetry.isSet()} where the API has it, else its field, read by reflection. */
  private static GlobalCheck globalCheck() {
    try {
      Method isSet = GlobalOpenTelemetry.class.getMethod("isSet");
      return () -> (Boolean) isSet.invoke(null);
    } catch (NoSuchMethodException olderApi) {
      try {
        Field field = GlobalOpenTelemetry.class.getDeclaredField("globalOpenTelemetry");
        field.setAccessible(true);
        return () -> field.get(null) != null;
      } catch (NoSuchFieldException | RuntimeException unknown) {
        return () -> false; // cannot tell without setting it: never adopted
      }
    }
  }

  @Override
  public CurrentSpan currentSpan() {
    return new OtelCurrentSpan();
  }

  @Override
  public DropSink drops() {
    return drops;
  }

  @Override
  public synchronized Global adoptGlobal() {
    if (adopted) {
      return Global.ADOPTED;
    }
    try {
      if (!isSet.isSet()) {
        return Global.NOT_SET;
      }
    } catch (ReflectiveOperationException e) {
      return Global.NOT_SET;
    }
    OpenTelemetry otel = GlobalOpenTelemetry.get();
    if (isNoop(otel.getTracerProvider())) {
      return Global.NOOP;
    }
    adopted = true;
    if (settings.counts() != null && settings.globalMetrics()) {
      metrics =
          new DropMetrics(
              otel.meterBuilder(TelemetryNames.SCOPE).setInstrumentationVersion(settings.version()).build(),
              settings.counts(),
              settings.redacted());
    }
    if (settings.globalDrops()) {
      global =
          new OtelDrops(
              otel, settings.version(), settings.traces(), settings.logs(), settings.childSpanWindowMillis(),
              settings.redacted());
    }
    return Global.ADOPTED;
  }

  /** The API's own tracer provider is the no-op's ({@code DefaultTracerProvider}, or the incubator's). */
  private static boolean isNoop(TracerProvider p) {
    return p == TracerProvider.noop() || p.getClass().getName().startsWith("io.opentelemetry.api.");
  }

  @Override
  public synchronized void close() {
    if (metrics != null) {
      try {
        metrics.close();
      } catch (Exception ignored) {
        // unregistering a callback does not fail in the SDK
      }
      metrics = null;
    }
  }
}
