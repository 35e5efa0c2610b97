package io.netdrop.telemetry.otel;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * netdrop's own OpenTelemetry SDK, for a JVM where no other is there (no OpenTelemetry Java
 * agent): configured the standard way by OpenTelemetry autoconfigure, from {@code OTEL_*}
 * environment variables and {@code -Dotel.*} system properties ({@code OTEL_SERVICE_NAME},
 * {@code OTEL_RESOURCE_ATTRIBUTES}, {@code OTEL_{TRACES,METRICS,LOGS}_EXPORTER}, {@code
 * OTEL_EXPORTER_OTLP_*}, {@code OTEL_METRIC_EXPORT_INTERVAL}, ...).
 *
 * <p>Where the user set no exporter for a signal, netdrop exports nothing for it (autoconfigure's
 * own default, OTLP to localhost, would fail on most hosts): the console line is then the output.
 * It is never registered as the global SDK, so the application's own {@code GlobalOpenTelemetry}
 * is untouched; netdrop shuts it down itself, after the last drops.
 */
public final class EmbeddedSdk {
  /** The longest netdrop waits at exit for the last export. */
  public static final long SHUTDOWN_MILLIS = 2_000;

  private EmbeddedSdk() {}

  /**
   * Builds the SDK. {@code setting} reads an {@code otel.*} property the way autoconfigure does
   * (system property, else environment variable), for the defaults only.
   *
   * @throws RuntimeException (autoconfigure's {@code ConfigurationException}) naming an invalid setting
   */
  public static OpenTelemetrySdk create(String serviceName, Function<String, String> setting) {
    Map<String, String> defaults = new HashMap<>();
    for (String signal : new String[] {"traces", "metrics", "logs"}) {
      defaults.put("otel." + signal + ".exporter", "none");
    }
    if (setting.apply("otel.service.name") == null && serviceName != null) {
      defaults.put("otel.service.name", serviceName);
    }
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults)
        .disableShutdownHook()
        .setServiceClassLoader(EmbeddedSdk.class.getClassLoader())
        .build()
        .getOpenTelemetrySdk();
  }

  /** Reads {@code otel.a.b} from {@code -Dotel.a.b}, else {@code OTEL_A_B}, else null. */
  public static String standardSetting(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      v = System.getenv(name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    return v == null || v.isBlank() ? null : v;
  }

  /** Flushes and shuts the SDK down, waiting at most {@link #SHUTDOWN_MILLIS}. */
  public static void shutdown(OpenTelemetrySdk sdk) {
    sdk.shutdown().join(SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
  }
}
