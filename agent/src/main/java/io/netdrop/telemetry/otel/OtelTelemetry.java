package io.netdrop.telemetry.otel;

import io.netdrop.config.NetdropConfig;
import io.netdrop.sockets.CurrentSpan;
import io.netdrop.telemetry.DropCounts;
import io.netdrop.telemetry.DropSink;
import io.netdrop.telemetry.TelemetryNames;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.lang.instrument.Instrumentation;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * netdrop's OpenTelemetry, wired once at start from the SDK that is there: the OpenTelemetry Java
 * agent's when the agent runs in this JVM (beside netdrop, or with netdrop as its extension: the
 * agent bridges netdrop's API copy to its own context and SDK), else netdrop's own {@link
 * EmbeddedSdk}, which is not even built while every exporter is {@code none} (the default: the
 * API's no-op then). Everything after that sees one {@link OpenTelemetry}.
 *
 * <p>Without the agent, an application that uses the OpenTelemetry API itself gets drops on its
 * own spans, and, once it registers {@code GlobalOpenTelemetry}, netdrop's child spans, log
 * records and metrics in its SDK: {@link #watchApplication}. The {@link #currentSpan()} and
 * {@link #drops()} handed out switch to the application's API copy then.
 */
public final class OtelTelemetry implements AutoCloseable {
  /** A class the OpenTelemetry Java agent puts on the bootstrap class path. */
  static final String OTEL_AGENT_CLASS = "io.opentelemetry.javaagent.bootstrap.AgentInitializer";

  private final OpenTelemetry otel;
  private final OpenTelemetrySdk embedded;
  /** Whether netdrop looks for the application's own API: not under the agent, nor when invalid. */
  private final boolean watchesApplication;
  private final String description;
  private final SwitchingDrops drops;
  private final SwitchingCurrentSpan spans;
  private final DropMetrics metrics;
  private final ApplicationApi.Settings application;
  private final Consumer<String> log;
  private final AtomicBoolean metricsClosed = new AtomicBoolean();
  private volatile ApplicationOtel applicationOtel;

  private OtelTelemetry(
      OpenTelemetry otel, OpenTelemetrySdk embedded, boolean underAgent, boolean watchesApplication,
      String description, OtelDrops drops, DropMetrics metrics, NetdropConfig config, String version,
      DropCounts counts, Consumer<String> log) {
    this.otel = otel;
    this.embedded = embedded;
    this.watchesApplication = watchesApplication;
    this.description = description;
    this.drops = new SwitchingDrops(drops);
    // Only the OpenTelemetry Java agent makes spans current in netdrop's own API copy; otherwise
    // the hooks read nothing until the application's own API is found (watchApplication).
    this.spans = new SwitchingCurrentSpan(underAgent ? new OtelCurrentSpan() : () -> null);
    this.metrics = metrics;
    this.log = log;
    this.application =
        new ApplicationApi.Settings(
            version, config.traces(), config.logs(), config.childSpanWindowMillis(), config.redact(),
            config.metrics() ? counts : null, this.drops::own, false, false);
  }

  /**
   * Picks the SDK and registers the metrics. An invalid {@code OTEL_*} setting is reported on
   * {@code log} in one line and nothing is exported; the console lines go on.
   */
  public static OtelTelemetry start(
      NetdropConfig config, String serviceName, String version, DropCounts counts, Consumer<String> log) {
    Objects.requireNonNull(config, "config");
    OpenTelemetry otel;
    OpenTelemetrySdk embedded = null;
    String description;
    boolean underAgent = otelJavaAgentPresent();
    boolean watchesApplication = !underAgent;
    if (underAgent) {
      otel = GlobalOpenTelemetry.get();
      description = "OpenTelemetry from the OpenTelemetry Java agent";
    } else if (EmbeddedSdk.exportsNothing(EmbeddedSdk::standardSetting)) {
      // The default: an SDK would only discard. Drops still go to an application's own SDK.
      otel = OpenTelemetry.noop();
      description = "OpenTelemetry exporters traces=none metrics=none logs=none";
    } else {
      try {
        embedded = EmbeddedSdk.create(serviceName, EmbeddedSdk::standardSetting);
        otel = embedded;
        description = "OpenTelemetry exporters traces=" + exporter("traces") + " metrics="
            + exporter("metrics") + " logs=" + exporter("logs");
      } catch (RuntimeException e) {
        log.accept(
            "netdrop: OpenTelemetry configuration is invalid (" + reason(e)
                + "); exporting nothing, drops are still written to the console");
        otel = OpenTelemetry.noop();
        description = "OpenTelemetry off (invalid configuration)";
        watchesApplication = false;
      }
    }
    OtelDrops drops =
        new OtelDrops(
            otel, version, config.traces(), config.logs(), config.childSpanWindowMillis(), config.redact());
    DropMetrics metrics =
        config.metrics() && counts != null
            ? new DropMetrics(
                otel.meterBuilder(TelemetryNames.SCOPE).setInstrumentationVersion(version).build(),
                counts,
                config.redact())
            : null;
    return new OtelTelemetry(
        otel, embedded, underAgent, watchesApplication, description, drops, metrics, config, version,
        counts, log);
  }

  /**
   * The message and those of its causes, e.g. {@code Unexpected configuration error: No
   * GrpcSenderProvider found ...}; a number's parse error adds nothing to autoconfigure's message.
   */
  static String reason(Throwable t) {
    StringBuilder b = new StringBuilder(String.valueOf(t.getMessage()));
    Throwable c = t.getCause();
    for (int depth = 0; c != null && depth < 5; depth++, c = c.getCause()) {
      if (c.getMessage() != null && !(c instanceof NumberFormatException) && !b.toString().contains(c.getMessage())) {
        b.append(": ").append(c.getMessage());
      }
    }
    return b.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  private static String exporter(String signal) {
    String v = EmbeddedSdk.standardSetting("otel." + signal + ".exporter");
    return v == null ? "none" : v;
  }

  /** Whether the OpenTelemetry Java agent runs in this JVM. */
  public static boolean otelJavaAgentPresent() {
    try {
      Class.forName(OTEL_AGENT_CLASS, false, null);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Watches for the application's own copy of the OpenTelemetry API, also one it loads later, and
   * switches {@link #currentSpan()} and {@link #drops()} to it ({@link ApplicationOtel}); writes a
   * line when it does. Does nothing under the OpenTelemetry Java agent, which bridges every API
   * copy to its own SDK already, nor when OpenTelemetry is off.
   */
  public void watchApplication(Instrumentation inst) {
    Objects.requireNonNull(inst, "inst");
    ApplicationOtel app;
    synchronized (this) {
      if (applicationOtel != null || !watchesApplication
          || !(application.traces() || application.logs() || application.counts() != null)) {
        return;
      }
      app = new ApplicationOtel(inst, application, spans, drops, this::closeOwnMetrics, log);
      applicationOtel = app;
    }
    app.start();
  }

  /** Reads the current span of the SDK in use, for the socket hooks: netdrop's API copy's, or the application's. */
  public CurrentSpan currentSpan() {
    return spans;
  }

  /** The sink that writes drops as span events, child spans and log records. */
  public DropSink drops() {
    return drops;
  }

  /** For the start-up line, e.g. {@code OpenTelemetry from the OpenTelemetry Java agent}. */
  public String description() {
    ApplicationOtel a = applicationOtel;
    String app = a == null ? null : a.description();
    return app == null ? description : description + ", drops on " + app;
  }

  /** The OpenTelemetry in use. */
  public OpenTelemetry openTelemetry() {
    return otel;
  }

  /** Unregisters the metrics and, for the embedded SDK, exports what is left and shuts it down. */
  @Override
  public void close() {
    ApplicationOtel app = applicationOtel;
    if (app != null) {
      app.close(); // the application's SDK lives on
    }
    if (embedded == null) {
      closeOwnMetrics(); // the agent's SDK lives on; the embedded one collects once more at shutdown
    }
    if (embedded != null) {
      EmbeddedSdk.shutdown(embedded);
    }
  }

  /** Unregisters the metrics from the SDK in use, once. */
  private void closeOwnMetrics() {
    if (metrics != null && metricsClosed.compareAndSet(false, true)) {
      metrics.close();
    }
  }
}
