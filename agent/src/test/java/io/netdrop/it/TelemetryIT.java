package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import io.netdrop.testing.OtlpJson;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * netdrop's own embedded OpenTelemetry SDK, configured the standard way ({@code -Dotel.*}), on real
 * kernel drops: the app runs in a network namespace of its own so that the kernel's SNMP counters
 * ({@code Udp: RcvbufErrors}) count this run only, and the exported {@code {packet}} counter must
 * equal them. Needs root (BPF, ip netns); never skipped.
 */
class TelemetryIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int DATAGRAMS = 400;
  private static final String NETNS = "nd-telemetry-" + ProcessHandle.current().pid();

  private static ForkedJvm app;
  private static long rcvbufErrors;
  private static int udpPort;

  @BeforeAll
  static void runApp() throws Exception {
    run("ip", "netns", "add", NETNS);
    run("ip", "-n", NETNS, "link", "set", "lo", "up");
    app =
        ForkedJvm.builder()
            .launcher("ip", "netns", "exec", NETNS)
            .systemProperty("otel.metrics.exporter", "logging-otlp")
            .systemProperty("otel.logs.exporter", "logging-otlp")
            .systemProperty("otel.metric.export.interval", "500")
            // Exported while the app lingers: at exit the JDK's logging, which prints them, shuts down too.
            .systemProperty("otel.blrp.schedule.delay", "100")
            .systemProperty("otel.service.name", "telemetry-it")
            .mainClass(TelemetryScenarioApp.class.getName(), String.valueOf(DATAGRAMS), "3000")
            .start();
    app.awaitLine("ready"::equals, TIMEOUT);
    app.awaitLine(l -> l.startsWith("netdrop: watching"), TIMEOUT);
    app.writeLine("go");
    udpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("udp-port "), TIMEOUT).substring(9));
    rcvbufErrors = Long.parseLong(app.awaitLine(l -> l.startsWith("rcvbuf-errors "), TIMEOUT).substring(14));
    assertEquals(0, app.waitFor(TIMEOUT), app.describe());
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (app != null) {
      app.close();
    }
    run("ip", "netns", "delete", NETNS);
  }

  @Test
  void packetCounterForSocketRcvbuffEqualsTheKernelsRcvbufErrorsForTheRunClosedSocketIncluded() {
    assertTrue(rcvbufErrors > 100, "the kernel dropped only " + rcvbufErrors + app.describe());
    List<Map<String, Object>> metrics = OtlpJson.metrics(app.stderr());
    Map<String, Object> last = null;
    for (Map<String, Object> m : metrics) {
      if ("netdrop.packet.dropped".equals(m.get("name"))) {
        last = m;
      }
    }
    assertNotNull(last, "no netdrop.packet.dropped export" + app.describe());
    assertEquals("{packet}", last.get("unit"));
    assertTrue(String.valueOf(last.get("description")).contains("counted exactly in the kernel"));
    assertEquals(Boolean.TRUE, OtlpJson.map(last.get("sum")).get("isMonotonic"));
    long total = 0;
    for (Map<String, Object> point : OtlpJson.points(last)) {
      Map<String, Object> a = OtlpJson.attributes(point.get("attributes"));
      if ("SOCKET_RCVBUFF".equals(a.get("linux.skb.drop.reason"))) {
        assertEquals("udp", a.get("network.transport"), a.toString());
        assertEquals("ipv4", a.get("network.type"), a.toString());
        assertEquals((long) udpPort, a.get("network.local.port"), a.toString());
        total += OtlpJson.asInt(point);
      }
    }
    assertEquals(rcvbufErrors, total, "exported SOCKET_RCVBUFF total vs the kernel's RcvbufErrors" + app.describe());
  }

  @Test
  void dropsOutsideAnySpanAreLogRecordsWhoseCountsAddUpAndTheConsoleFoldsTheBurst() {
    long logged = 0;
    for (Map<String, Object> r : OtlpJson.logRecords(app.stderr())) {
      Map<String, Object> a = OtlpJson.attributes(r.get("attributes"));
      if (!"SOCKET_RCVBUFF".equals(a.get("linux.skb.drop.reason"))) {
        continue;
      }
      assertEquals("linux.skb.drop", r.get("eventName"));
      assertEquals("WARN", r.get("severityText"));
      assertEquals((long) udpPort, a.get("network.local.port"));
      assertEquals("receive", a.get("network.io.direction"));
      assertEquals("udp", a.get("netdrop.connection.role"));
      assertEquals(TelemetryScenarioApp.class.getName(), a.get("netdrop.connection.creator"));
      assertTrue(String.valueOf(a.get("linux.skb.drop.location")).startsWith("udp_"), a.toString());
      logged += (Long) a.get("linux.skb.drop.count");
    }
    long lines = 0;
    long folded = 0;
    Pattern count = Pattern.compile(" count=(\\d+) over \\d+ms$");
    for (String l : app.stderr()) {
      // Console lines only (a log record's body, inside an export's JSON, holds the same text).
      if (!l.contains("{") && l.contains(" netdrop: drop SOCKET_RCVBUFF udp ") && l.contains(":" + udpPort + " ")) {
        lines++;
        Matcher m = count.matcher(l);
        folded += m.find() ? Long.parseLong(m.group(1)) : 1;
      }
    }
    assertTrue(lines <= 5, lines + " console lines for one burst" + app.describe());
    assertEquals(folded, logged, "log records and console lines stand for the same drops" + app.describe());
    assertTrue(logged > 0 && logged <= rcvbufErrors, logged + " of " + rcvbufErrors);
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }
}
