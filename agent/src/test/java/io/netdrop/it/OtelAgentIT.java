package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import io.netdrop.testing.OtlpJson;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * netdrop with the official OpenTelemetry Java agent (2.31.1), in the three ways it can run with
 * it: beside it, with either {@code -javaagent} flag first, and inside it as its extension (also
 * when named both ways at once). A
 * traced HTTP request's handler ({@link OtelScenarioApp}) calls a closed loopback port; the kernel
 * drops that SYN (NO_SOCKET), and the drop must show up in the request's trace as the agent exports
 * it ({@code logging-otlp} on stderr, read by {@link OtlpExports}). A second connect to a closed
 * port, outside any span, must become a log record, and the kernel's exact counts the agent's
 * metrics. Needs root and the kernel features of the agent (BTF, Linux 5.17+ drop reasons);
 * nothing is skipped.
 *
 * <p>Each mode runs the application once; the tests read that run.
 */
class OtelAgentIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  /** How long the application waits after its request, for netdrop's reader and the exporters. */
  private static final long FLUSH_MILLIS = 3_000;
  private static final String WATCHING = "netdrop: watching kfree_skb drops";
  private static final String NOT_STARTED = "netdrop: not started: ";
  private static final String DROP = "linux.skb.drop";
  private static final String REASON = "linux.skb.drop.reason";
  private static final String PEER_PORT = "network.peer.port";
  private static final String DROPPED = "netdrop.packet.dropped";

  /** How netdrop meets the OTel agent. */
  enum Mode {
    /** {@code -javaagent:opentelemetry-javaagent.jar -javaagent:netdrop-agent.jar} */
    OTEL_FIRST,
    /** {@code -javaagent:netdrop-agent.jar -javaagent:opentelemetry-javaagent.jar} */
    NETDROP_FIRST,
    /** {@code -javaagent:opentelemetry-javaagent.jar -Dotel.javaagent.extensions=netdrop-agent.jar} */
    EXTENSION,
    /**
     * {@code -javaagent:netdrop-agent.jar -javaagent:opentelemetry-javaagent.jar
     * -Dotel.javaagent.extensions=netdrop-agent.jar}: netdrop runs once, as the extension, and the
     * OTel agent starts (it failed to, before premain stepped aside).
     */
    NAMED_TWICE
  }

  private record Run(
      Mode mode, int exitCode, List<String> stdout, List<String> stderr, String command, int closed, int untraced,
      OtlpExports exports) {}

  private static final Map<Mode, Run> runs = new EnumMap<>(Mode.class);

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theApplicationServesItsTracedRequestAndNetdropWatches(Mode mode) {
    Run run = run(mode);
    assertAll(
        () -> assertEquals(0, run.exitCode(), summary(run)),
        () -> assertEquals(
            List.of("app: untraced connect refused", "app: closed port refused", "app: response 200", "app: bye"),
            run.stdout().stream().filter(l -> !l.startsWith("app: ready ")).collect(Collectors.toList()),
            summary(run)),
        () -> assertEquals(1, run.stderr().stream().filter(l -> l.startsWith(WATCHING)).count(), summary(run)),
        () -> assertTrue(run.stderr().stream().noneMatch(l -> l.startsWith(NOT_STARTED)), summary(run)),
        () -> assertEquals(
            mode == Mode.NAMED_TWICE,
            run.stderr().stream().anyMatch(l -> l.startsWith("netdrop: -javaagent ignored: otel.javaagent.extensions names the netdrop agent jar ")),
            summary(run)),
        // The agent's own start failures, which it prints and survives.
        () -> assertTrue(
            run.stderr().stream()
                .noneMatch(l -> l.startsWith("ERROR io.opentelemetry.javaagent") || l.startsWith("OpenTelemetry Javaagent failed to start")),
            summary(run)),
        // netdrop's console line for the handler's drop, whatever the OpenTelemetry side does.
        () -> assertTrue(
            run.stderr().stream()
                .anyMatch(l -> l.contains(" netdrop: drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + run.closed() + " ")),
            summary(run)));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theOtelAgentExportsTheServerSpanWithTheCallToTheClosedPortInside(Mode mode) {
    Run run = run(mode);
    OtlpExports.Span server = serverSpan(run);
    OtlpExports.Span call =
        run.exports().spans.stream()
            .filter(s -> s.kind() == OtlpExports.CLIENT)
            .filter(s -> ("http://127.0.0.1:" + run.closed() + "/").equals(s.attributes().get("url.full")))
            .findFirst()
            .orElse(null);
    assertNotNull(call, "no client span for the call to the closed port" + summary(run));
    assertAll(
        () -> assertEquals(server.traceId(), call.traceId(), summary(run)),
        () -> assertEquals(server.spanId(), call.parentSpanId(), summary(run)),
        () -> assertEquals("java.net.ConnectException", call.attributes().get("error.type"), summary(run)));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theDropOnTheClosedPortIsRecordedInTheServerSpansTrace(Mode mode) {
    Run run = run(mode);
    OtlpExports.Span server = serverSpan(run);
    List<OtlpExports.Span> trace = run.exports().trace(server.traceId());
    // On a span that was still recording: an event. On one that had ended: a short child span.
    Optional<Map<String, String>> asEvent =
        trace.stream()
            .flatMap(s -> s.events().stream())
            .filter(e -> e.name().equals(DROP))
            .map(OtlpExports.Event::attributes)
            .filter(a -> isTheDrop(a, run.closed()))
            .findFirst();
    Optional<Map<String, String>> asSpan =
        trace.stream()
            .filter(s -> s.name().equals(DROP))
            .map(OtlpExports.Span::attributes)
            .filter(a -> isTheDrop(a, run.closed()))
            .findFirst();
    assertTrue(
        asEvent.isPresent() || asSpan.isPresent(),
        "no " + DROP + " event or span with " + REASON + "=NO_SOCKET and " + PEER_PORT + "=" + run.closed()
            + " in the server span's trace" + summary(run));
    Map<String, String> attributes = asEvent.orElseGet(asSpan::get);
    assertTrue(attributes.getOrDefault("linux.skb.drop.location", "").startsWith("tcp_v4_rcv+0x"), attributes.toString());
    assertEquals("tcp", attributes.get("network.transport"), attributes.toString());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aDropOutsideAnySpanBecomesALogRecord(Mode mode) {
    Run run = run(mode);
    assertTrue(
        run.exports().logs.stream().anyMatch(r -> isTheDrop(r.attributes(), run.untraced())),
        "no log record with " + REASON + "=NO_SOCKET and " + PEER_PORT + "=" + run.untraced() + summary(run));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theKernelsExactCountsBecomeTheAgentsMetrics(Mode mode) {
    Run run = run(mode);
    String totals =
        run.stderr().stream().filter(l -> l.startsWith("netdrop: totals ")).findFirst()
            .orElseThrow(() -> new AssertionError("no totals line" + summary(run)));
    long kernel = 0;
    for (Matcher m = Pattern.compile(" NO_SOCKET=(\\d+)").matcher(totals); m.find(); ) {
      kernel += Long.parseLong(m.group(1));
    }
    // Each export holds the cumulative count; the application waits long enough for one after its drops.
    long exported = 0;
    String unit = null;
    for (String line : run.stderr()) {
      if (!line.contains("OtlpJsonLoggingMetricExporter")) {
        continue;
      }
      for (Map<String, Object> metric : OtlpJson.metrics(List.of(line))) {
        if (DROPPED.equals(metric.get("name"))) {
          unit = String.valueOf(metric.get("unit"));
          long sum = 0;
          for (Map<String, Object> point : OtlpJson.points(metric)) {
            if ("NO_SOCKET".equals(OtlpJson.attributes(point.get("attributes")).get(REASON))) {
              sum += OtlpJson.asInt(point);
            }
          }
          exported = Math.max(exported, sum);
        }
      }
    }
    assertTrue(kernel >= 2, "the application's two connects were refused: " + totals);
    assertEquals("{packet}", unit, "no " + DROPPED + " metric exported" + summary(run));
    assertEquals(kernel, exported, totals + summary(run));
  }

  private static boolean isTheDrop(Map<String, String> attributes, int peerPort) {
    return "NO_SOCKET".equals(attributes.get(REASON)) && Integer.toString(peerPort).equals(attributes.get(PEER_PORT));
  }

  private static OtlpExports.Span serverSpan(Run run) {
    return run.exports().spans.stream()
        .filter(s -> s.kind() == OtlpExports.SERVER && s.name().equals("GET /work"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the OTel agent exported no server span GET /work" + summary(run)));
  }

  private static synchronized Run run(Mode mode) {
    return runs.computeIfAbsent(mode, OtelAgentIT::start);
  }

  private static Run start(Mode mode) {
    Path netdrop = ForkedJvm.defaultAgentJar().toAbsolutePath();
    Path otel = otelAgentJar();
    int closed = closedPort();
    int untraced = closedPort();
    ForkedJvm.Builder builder =
        ForkedJvm.builder()
            .systemProperty("otel.service.name", "netdrop-otel-it")
            .systemProperty("otel.traces.exporter", "logging-otlp")
            .systemProperty("otel.metrics.exporter", "logging-otlp")
            .systemProperty("otel.metric.export.interval", "1000")
            .systemProperty("otel.logs.exporter", "logging-otlp")
            .systemProperty("otel.bsp.schedule.delay", "200")
            .systemProperty("otel.blrp.schedule.delay", "200")
            .mainClass(OtelScenarioApp.class.getName(), Long.toString(FLUSH_MILLIS), Integer.toString(closed), Integer.toString(untraced));
    switch (mode) {
      case OTEL_FIRST:
        // jvmArg comes before the builder's own -javaagent for netdrop.
        builder.jvmArg("-javaagent:" + otel);
        break;
      case NETDROP_FIRST:
        builder.withoutAgent().jvmArg("-javaagent:" + netdrop).jvmArg("-javaagent:" + otel);
        break;
      case EXTENSION:
        builder.withoutAgent().jvmArg("-javaagent:" + otel).systemProperty("otel.javaagent.extensions", netdrop.toString());
        break;
      case NAMED_TWICE:
        builder
            .withoutAgent()
            .jvmArg("-javaagent:" + netdrop)
            .jvmArg("-javaagent:" + otel)
            .systemProperty("otel.javaagent.extensions", netdrop.toString());
        break;
      default:
        throw new IllegalArgumentException(mode.toString());
    }
    try (ForkedJvm app = builder.start()) {
      app.awaitLine(l -> l.startsWith("app: ready "), TIMEOUT);
      app.awaitLine(l -> l.startsWith(WATCHING) || l.startsWith(NOT_STARTED), TIMEOUT);
      app.writeLine("go");
      int exitCode = app.waitFor(TIMEOUT);
      // describe() starts with "\ncommand: ...".
      String command = app.describe().split("\n", 3)[1];
      return new Run(mode, exitCode, app.stdout(), app.stderr(), command, closed, untraced, OtlpExports.read(app.stderr()));
    }
  }

  /** The spans and log records of a run, one line each, for failure messages (the raw export lines are long). */
  private static String summary(Run run) {
    StringBuilder s =
        new StringBuilder("\nmode " + run.mode() + ", closed port " + run.closed() + ", untraced port " + run.untraced()
            + ", exit code " + run.exitCode() + "\n" + run.command());
    for (OtlpExports.Span span : run.exports().spans) {
      s.append("\nspan ").append(span.traceId()).append('/').append(span.spanId()).append(" parent=").append(span.parentSpanId())
          .append(" kind=").append(span.kind()).append(" '").append(span.name()).append("' ")
          .append(brief(span.attributes()));
      for (OtlpExports.Event event : span.events()) {
        s.append("\n  event '").append(event.name()).append("' ").append(brief(event.attributes()));
      }
    }
    for (OtlpExports.LogRecord log : run.exports().logs) {
      s.append("\nlog ").append(log.traceId()).append('/').append(log.spanId()).append(" '").append(log.body()).append("' ")
          .append(brief(log.attributes()));
    }
    s.append("\n--- stderr without exports ---");
    run.stderr().stream().filter(l -> !l.contains("OtlpJsonLogging")).forEach(l -> s.append('\n').append(l));
    return s.append("\n--- stdout ---\n").append(String.join("\n", run.stdout())).toString();
  }

  /** Attributes with long values (exception stack traces) cut to their first line. */
  private static Map<String, String> brief(Map<String, String> attributes) {
    Map<String, String> brief = new LinkedHashMap<>();
    attributes.forEach((k, v) -> brief.put(k, v.contains("\n") ? v.substring(0, v.indexOf('\n')) + " ..." : v));
    return brief;
  }

  private static Path otelAgentJar() {
    String jar = System.getProperty("netdrop.it.otel.agent.jar");
    assertNotNull(jar, "netdrop.it.otel.agent.jar is set by failsafe");
    Path path = Paths.get(jar);
    assertTrue(Files.isRegularFile(path), path + " is copied there by the build");
    return path.toAbsolutePath();
  }

  /** A loopback port nothing listens on, found in this process so the application never bound it. */
  private static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError("cannot find a free loopback port", e);
    }
  }
}
