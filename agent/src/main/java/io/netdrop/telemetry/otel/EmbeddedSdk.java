package io.netdrop.telemetry.otel;

import io.netdrop.logging.AgentLogging;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
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
 * OTLP goes over HTTP ({@code http/protobuf}, the default here) through the JDK's HTTP client;
 * {@code grpc} is not available.
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
    // The only sender inside is the JDK's HTTP client: OTLP over HTTP, as the OTel Java agent
    // defaults to, rather than autoconfigure's gRPC, which would need OkHttp or grpc-java.
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    if (setting.apply("otel.service.name") == null && serviceName != null) {
      defaults.put("otel.service.name", serviceName);
    }
    // Failing, autoconfigure also logs the closing of what it had built: the caller's one line says it all.
    return AgentLogging.holdingMessages(
        () ->
            AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults)
                .disableShutdownHook()
                .setServiceClassLoader(EmbeddedSdk.class.getClassLoader())
                .build()
                .getOpenTelemetrySdk());
  }

  /**
   * Whether the SDK would export nothing: every signal's exporter {@code none} (unset, as netdrop
   * defaults it, or set so) and no configuration file. Then netdrop need not build it (nor load
   * its classes, about 200, kept for the JVM's life): the OpenTelemetry API's no-op does the same.
   * A {@code otel.config.file} is left to autoconfigure, which says what it lacks for it.
   */
  public static boolean exportsNothing(Function<String, String> setting) {
    if (setting.apply("otel.config.file") != null) {
      return false;
    }
    for (String signal : new String[] {"traces", "metrics", "logs"}) {
      String exporters = setting.apply("otel." + signal + ".exporter");
      if (exporters == null) {
        continue;
      }
      for (String exporter : exporters.split(",")) {
        if (!exporter.trim().equals("none")) {
          return false;
        }
      }
    }
    return true;
  }

  /** Reads {@code otel.a.b} from {@code -Dotel.a.b}, else {@code OTEL_A_B}, else null. */
  public static String standardSetting(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      v = System.getenv(name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    return v == null || v.isBlank() ? null : v;
  }

  /**
   * Flushes and shuts the SDK down, waiting at most {@link #SHUTDOWN_MILLIS}: an exporter that
   * cannot reach its endpoint never holds the application's exit up for longer.
   */
  public static void shutdown(OpenTelemetrySdk sdk) {
    // SdkMeterProvider#shutdown blocks its caller (the periodic reader's last collection and
    // export, up to 5 s each), before it returns the result to wait for: so it runs elsewhere.
    CountDownLatch done = new CountDownLatch(1);
    Thread shutdown =
        new Thread(
            () -> {
              try {
                sdk.shutdown().whenComplete(done::countDown);
              } catch (RuntimeException e) {
                done.countDown();
              }
            },
            "netdrop-otel-shutdown");
    shutdown.setDaemon(true);
    shutdown.start();
    try {
      done.await(SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
