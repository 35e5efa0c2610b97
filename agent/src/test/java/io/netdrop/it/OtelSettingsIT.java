package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.agent.WaitingApp;
import io.netdrop.telemetry.otel.EmbeddedSdk;
import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * netdrop's embedded OpenTelemetry SDK (no OpenTelemetry Java agent in the JVM) under standard
 * {@code -Dotel.*} / {@code OTEL_*} settings it cannot use: an invalid one costs one line and the
 * export, never netdrop's start or the application's output; an OTLP endpoint that refuses or
 * never answers never holds the application up, at work or at exit. Needs root and the kernel
 * features of the agent (BTF, Linux 5.17+ drop reasons).
 */
class OtelSettingsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String WATCHING = "netdrop: watching kfree_skb drops";
  private static final String INVALID = "netdrop: OpenTelemetry configuration is invalid (";
  /**
   * What the application's exit may take beyond netdrop's bounded SDK shutdown: the reader's last
   * poll, the totals, the JVM's own exit, on a loaded machine.
   */
  private static final long EXIT_SLACK_MILLIS = 4_000;

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "otel.traces.exporter | nosuch | Unrecognized value for otel.traces.exporter: nosuch",
        "OTEL_TRACES_EXPORTER | nosuch | Unrecognized value for otel.traces.exporter: nosuch",
        "otel.metric.export.interval | abc | 'Invalid duration property otel.metric.export.interval=abc. Expected number, found: '",
        "otel.resource.attributes | no-equals-sign | Invalid map property: otel.resource.attributes=no-equals-sign",
      })
  void anInvalidOtelSettingIsOneLineAndNetdropStillStarts(String name, String value, String reason) {
    ForkedJvm.Builder builder = ForkedJvm.builder().mainClass(WaitingApp.class.getName());
    if (name.startsWith("OTEL_")) {
      builder.environment(name, value);
    } else {
      builder.systemProperty(name, value);
    }
    // The interval is only read for a metric exporter that is on.
    builder.systemProperty("otel.metrics.exporter", "logging");
    try (ForkedJvm jvm = builder.start()) {
      String watching = jvm.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      AppRun run = new AppRun(0, jvm.stdout(), jvm.stderr(), jvm.describe());
      List<String> about =
          run.netdropLines().stream().filter(l -> l.contains("OpenTelemetry configuration")).collect(Collectors.toList());
      assertAll(
          () -> assertEquals(
              List.of(INVALID + reason + "); exporting nothing, drops are still written to the console"),
              about,
              run.output),
          () -> assertTrue(watching.endsWith(", OpenTelemetry off (invalid configuration))"), watching),
          () -> assertEquals(List.of("app: ready", "app: got bye"), run.stdout, run.output),
          // Nothing through the application's logging (java.util.logging), nothing else at all.
          () -> assertEquals(List.of(), run.appStderr(), run.output),
          () -> assertEquals(3, run.netdropLines().size(), run.output));
    }
  }

  /** An endpoint that refuses each connection, and one that accepts it and never answers. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"refuses", "never answers"})
  void anUnreachableOtlpEndpointNeverHoldsTheApplicationUp(String endpointKind) throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int refusedPort = closed.getLocalPort();
      closed.close(); // nothing listens there any more: the app's connect is refused, a drop
      int endpointPort = endpointKind.equals("refuses") ? 1 : silent.getLocalPort();
      try (ForkedJvm jvm =
          ForkedJvm.builder()
              .systemProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + endpointPort)
              .systemProperty("otel.logs.exporter", "otlp")
              .systemProperty("otel.traces.exporter", "otlp")
              .systemProperty("otel.metrics.exporter", "otlp")
              .systemProperty("otel.metric.export.interval", "500")
              .mainClass(DropScenarioApp.class.getName())
              .start()) {
        jvm.awaitLine("ready"::equals, TIMEOUT);
        String watching = jvm.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
        assertTrue(watching.endsWith("OpenTelemetry exporters traces=otlp metrics=otlp logs=otlp)"), watching);

        long workStart = System.nanoTime();
        jvm.writeLine("connect " + refusedPort);
        jvm.awaitLine(l -> l.startsWith("connect-"), TIMEOUT);
        long workMillis = (System.nanoTime() - workStart) / 1_000_000;
        // The drop, outside any span, is a log record for the unreachable endpoint.
        jvm.awaitLine(l -> l.contains(" netdrop: drop NO_SOCKET tcp ") && l.contains(":" + refusedPort + " "), TIMEOUT);

        long exitStart = System.nanoTime();
        jvm.writeLine("exit");
        assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
        long exitMillis = (System.nanoTime() - exitStart) / 1_000_000;

        assertAll(
            () -> assertEquals(List.of("ready", "connect-failed ConnectException", "bye"), jvm.stdout(), jvm.describe()),
            () -> assertTrue(workMillis < 2_000, "the refused connect took " + workMillis + " ms" + jvm.describe()),
            () -> assertTrue(
                exitMillis < EmbeddedSdk.SHUTDOWN_MILLIS + EXIT_SLACK_MILLIS,
                "exit took " + exitMillis + " ms" + jvm.describe()),
            () -> assertTrue(jvm.stderr().stream().anyMatch(l -> l.startsWith("netdrop: totals ")), jvm.describe()));
      }
    }
  }

  /**
   * With every exporter {@code none} (netdrop's default) the SDK would only discard: it is not
   * built, so none of its classes is loaded (they stay for the JVM's life). One exporter builds it.
   */
  @ParameterizedTest(name = "otel.metrics.exporter={0}")
  @CsvSource({"none", "logging"})
  void theSdkIsLoadedOnlyWhenAnExporterIsSet(String metricsExporter, @TempDir Path dir) throws IOException {
    Path classLog = dir.resolve("classes.log");
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .systemProperty("otel.metrics.exporter", metricsExporter)
            .jvmArg("-Xlog:class+load=info:file=" + classLog)
            .mainClass(WaitingApp.class.getName())
            .start()) {
      String watching = jvm.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertTrue(
          watching.endsWith("OpenTelemetry exporters traces=none metrics=" + metricsExporter + " logs=none)"),
          watching);
    }
    List<String> sdkClasses;
    try (Stream<String> lines = Files.lines(classLog)) {
      sdkClasses = lines.filter(l -> l.contains(" io.opentelemetry.sdk.")).collect(Collectors.toList());
    }
    if (metricsExporter.equals("none")) {
      assertEquals(List.of(), sdkClasses);
    } else {
      assertTrue(sdkClasses.size() > 100, "the SDK's classes: " + sdkClasses.size());
    }
  }
}
