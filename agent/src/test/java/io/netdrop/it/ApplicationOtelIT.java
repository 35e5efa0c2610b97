package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * An application that uses the OpenTelemetry API and SDK itself, with no OpenTelemetry Java agent
 * ({@link ApplicationOtelApp}), gets netdrop's drops on its own spans, as its own SDK exports
 * them: a span event on a span that still records, a {@code linux.skb.drop} child span under one
 * that ended; with its SDK registered as {@code GlobalOpenTelemetry} also the log records and
 * metrics, else those and the child spans come from netdrop's own SDK (here its {@code
 * logging-otlp} exporter). Also for an application that loads OpenTelemetry only after netdrop
 * started, and for one on the older OpenTelemetry 1.40. Needs root and the kernel features of the
 * agent (BTF, Linux 5.17+ drop reasons): the kernel drops each SYN to a closed loopback port with
 * reason NO_SOCKET.
 */
class ApplicationOtelIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String APP = ApplicationOtelApp.class.getName();
  private static final String WATCHING = "netdrop: watching kfree_skb drops";
  private static final String BOUND = "netdrop: OpenTelemetry: drops go onto the application's own spans, through its OpenTelemetry API ";
  private static final String GLOBAL = "netdrop: OpenTelemetry: the application's GlobalOpenTelemetry takes netdrop's ";
  private static final Pattern SPAN = Pattern.compile("^app: span name=(\\S+) trace=(\\S+) id=(\\S+) parent=(\\S+) scope=(\\S+)");

  @Test
  void globalSdkGetsSpanEventsChildSpansLogRecordsAndMetrics() throws IOException {
    try (ForkedJvm app = start(testClassPath(), "global", "early")) {
      String watching = app.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      assertTrue(watching.endsWith(", drops on the application's OpenTelemetry API 1.63.0 and its GlobalOpenTelemetry)"), watching);

      int port = closedPort();
      app.writeLine("event " + port);
      String event = awaitSpan(app, "connect-event");
      assertDropEvent(event, port, app);

      int childPort = closedPort();
      app.writeLine("child " + childPort);
      Matcher parent = SPAN.matcher(awaitSpan(app, "connect-child"));
      assertTrue(parent.find());
      String child = awaitSpan(app, "linux.skb.drop");
      assertTrue(child.contains(" trace=" + parent.group(2) + " "), child + app.describe());
      assertTrue(child.contains(" parent=" + parent.group(3) + " scope=io.netdrop "), child + app.describe());
      assertTrue(child.contains("linux.skb.drop.reason=NO_SOCKET"), child);
      assertTrue(child.contains("network.peer.port=" + childPort), child);

      int logPort = closedPort();
      app.writeLine("log " + logPort);
      String log = app.awaitLine(l -> l.startsWith("app: log ") && l.contains("network.peer.port=" + logPort), TIMEOUT);
      assertTrue(log.startsWith("app: log severity=WARN scope=io.netdrop "), log);
      assertTrue(log.contains("linux.skb.drop.reason=NO_SOCKET"), log);

      app.writeLine("metrics");
      String metric = app.awaitLine(l -> l.startsWith("app: metric netdrop.packet.dropped "), TIMEOUT);
      assertTrue(metric.contains(" scope=io.netdrop unit={packet} "), metric);
      assertFalse(metric.endsWith(" points=0"), metric);

      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
    }
  }

  /** No GlobalOpenTelemetry, and OpenTelemetry loaded only once netdrop runs. */
  @Test
  void withoutGlobalSdkChildSpansComeFromNetdropsOwnSdkUnderTheApplicationsSpan() throws IOException {
    try (ForkedJvm app = start(testClassPath(), "local", "late")) {
      app.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      app.writeLine("otel");
      app.awaitLine((BOUND + "1.63.0")::equals, TIMEOUT);

      int port = closedPort();
      app.writeLine("event " + port);
      assertDropEvent(awaitSpan(app, "connect-event"), port, app);

      int childPort = closedPort();
      app.writeLine("child " + childPort);
      assertChildInNetdropsOwnSdk(app, awaitSpan(app, "connect-child"), childPort);

      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      assertFalse(app.stderr().stream().anyMatch(l -> l.startsWith(GLOBAL)), app.describe());
    }
  }

  /**
   * OpenTelemetry 1.40 has no {@code LogRecordBuilder.setEventName}: netdrop says so in one line,
   * puts span events on the application's spans and writes child spans (and log records) with
   * its own SDK.
   */
  @Test
  void olderApiStillGetsSpanEventsAndNothingBreaks() throws IOException {
    try (ForkedJvm app = start(api140ClassPath(), "global", "early")) {
      String watching = app.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      assertTrue(watching.endsWith(", drops on the application's OpenTelemetry API 1.40.0 and its GlobalOpenTelemetry)"), watching);
      assertTrue(
          app.stderr().contains(
              "netdrop: OpenTelemetry: the application's API 1.40.0 lacks LogRecordBuilder.setEventName(String),"
                  + " so child spans and log records go to netdrop's own SDK"),
          app.describe());

      int port = closedPort();
      app.writeLine("event " + port);
      assertDropEvent(awaitSpan(app, "connect-event"), port, app);

      int childPort = closedPort();
      app.writeLine("child " + childPort);
      assertChildInNetdropsOwnSdk(app, awaitSpan(app, "connect-child"), childPort);

      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
    }
  }

  /** The OpenTelemetry Java agent bridges every API copy to its own SDK already: netdrop adds nothing. */
  @Test
  void underTheOpenTelemetryJavaAgentTheApplicationsApiIsLeftToTheAgent() {
    Path otelAgent =
        Paths.get(System.getProperty("netdrop.it.otel.agent.jar", "target/test-libs/opentelemetry-javaagent-2.31.1.jar"));
    assertTrue(Files.isRegularFile(otelAgent), "no OpenTelemetry Java agent at " + otelAgent);
    try (ForkedJvm app =
        ForkedJvm.builder()
            .classpath(testClassPath())
            .jvmArg("-javaagent:" + otelAgent.toAbsolutePath())
            .systemProperty("otel.traces.exporter", "none")
            .systemProperty("otel.metrics.exporter", "none")
            .systemProperty("otel.logs.exporter", "none")
            .mainClass(APP, "local", "early")
            .start()) {
      String watching = app.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      assertTrue(watching.contains("OpenTelemetry from the OpenTelemetry Java agent"), watching);
      assertFalse(watching.contains("drops on the application's"), watching);
      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      assertFalse(app.stderr().stream().anyMatch(l -> l.startsWith("netdrop: OpenTelemetry: ")), app.describe());
    }
  }

  private static ForkedJvm start(Path[] classPath, String sdk, String when) {
    return ForkedJvm.builder()
        .classpath(classPath)
        .environment("OTEL_TRACES_EXPORTER", "logging-otlp") // netdrop's own SDK; the app's is not autoconfigured
        .environment("OTEL_BSP_SCHEDULE_DELAY", "100")
        .mainClass(APP, sdk, when)
        .start();
  }

  private static String awaitSpan(ForkedJvm app, String name) {
    return app.awaitLine(l -> l.startsWith("app: span name=" + name + " "), TIMEOUT);
  }

  private static void assertDropEvent(String span, int port, ForkedJvm app) {
    int at = span.indexOf(" event=linux.skb.drop{");
    assertTrue(at > 0, "no linux.skb.drop event on " + span + app.describe());
    String attributes = span.substring(at, span.indexOf('}', at));
    assertTrue(attributes.contains("linux.skb.drop.reason=NO_SOCKET"), span);
    assertTrue(attributes.contains("network.peer.port=" + port), span);
  }

  /** netdrop's logging-otlp exporter prints one OTLP/JSON export a line on stderr. */
  private static void assertChildInNetdropsOwnSdk(ForkedJvm app, String parentLine, int port) {
    Matcher parent = SPAN.matcher(parentLine);
    assertTrue(parent.find(), parentLine);
    String json =
        app.awaitLine(
            l -> l.contains("\"name\":\"linux.skb.drop\"") && l.contains("\"parentSpanId\":\"" + parent.group(3) + "\""),
            TIMEOUT);
    assertTrue(json.contains("\"traceId\":\"" + parent.group(2) + "\""), json);
    assertTrue(json.contains("\"key\":\"network.peer.port\",\"value\":{\"intValue\":\"" + port + "\"}"), json);
    assertTrue(json.contains("\"key\":\"linux.skb.drop.reason\",\"value\":{\"stringValue\":\"NO_SOCKET\"}"), json);
    assertFalse(app.stdout().stream().anyMatch(l -> l.startsWith("app: span name=linux.skb.drop ")), app.describe());
  }

  /** Test classes and the OpenTelemetry 1.63 jars of the test class path. */
  private static Path[] testClassPath() {
    List<Path> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Paths.get(e).getFileName().toString();
      if (e.contains("test-classes") || name.startsWith("opentelemetry-")) {
        entries.add(Paths.get(e));
      }
    }
    return entries.toArray(new Path[0]);
  }

  /** The same application compiled against, and run on, OpenTelemetry 1.40 (target/test-libs/clash). */
  private static Path[] api140ClassPath() throws IOException {
    Path libDir = Paths.get(System.getProperty("netdrop.it.app.clash.dir", "target/test-libs/clash"));
    List<Path> jars;
    try (Stream<Path> files = Files.list(libDir)) {
      jars = files.filter(p -> p.getFileName().toString().startsWith("opentelemetry-")).sorted().collect(Collectors.toList());
    }
    Path classes = ForkedJvm.moduleDir().resolve("target/application-otel-1.40-classes");
    Files.createDirectories(classes);
    Path source = ForkedJvm.moduleDir().resolve("src/test/java/io/netdrop/it/ApplicationOtelApp.java");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "the tests need a JDK (javax.tools) to compile the application");
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc =
        javac.run(
            null, diagnostics, diagnostics, "--release", "17", "-d", classes.toString(),
            "-cp", jars.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
            source.toString());
    assertEquals(0, rc, "cannot compile " + source + " against OpenTelemetry 1.40:\n" + diagnostics.toString(StandardCharsets.UTF_8));
    List<Path> classPath = new ArrayList<>();
    classPath.add(classes);
    classPath.addAll(jars);
    return classPath.toArray(new Path[0]);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
