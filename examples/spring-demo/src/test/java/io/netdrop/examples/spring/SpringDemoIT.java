package io.netdrop.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.examples.testing.DemoApp;
import io.netdrop.examples.testing.DropsOnTraces;
import io.netdrop.examples.testing.DropsOnTraces.TraceDrop;
import io.netdrop.examples.testing.Otlp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged order service beside the OpenTelemetry Java agent and netdrop (two {@code
 * -javaagent}s), every endpoint called once, as the demo does: each drop class must be on the trace
 * of the request that caused it and in the {@code netdrop.packet.dropped} metric by reason. One app
 * start for all. Needs root (BPF, nftables on loopback); never skipped.
 */
class SpringDemoIT {
  private static final Duration START = Duration.ofMinutes(4);
  private static final Path TARGET = Path.of(System.getProperty("basedir", ".")).resolve("target");

  private static DemoApp app;
  private static final Map<String, String> traceIds = new HashMap<>();
  private static final Map<String, String> bodies = new HashMap<>();
  private static Otlp otlp;
  private static List<String> output;

  @BeforeAll
  static void runTheDemo() throws Exception {
    Path portFile = TARGET.resolve("it-spring.port");
    Files.deleteIfExists(portFile);
    app =
        DemoApp.start(
            TARGET.resolve("it-spring.log"),
            "order-service",
            "-jar", System.getProperty("demo.app.jar"),
            "--server.port=0",
            "--orders.port-file=" + portFile);
    app.awaitLine(l -> l.startsWith("netdrop: watching"), START);
    app.awaitLine(l -> l.contains("Started OrderServiceApplication"), START);
    int port = Integer.parseInt(Files.readString(portFile).strip());
    HttpClient http = HttpClient.newHttpClient();
    for (String endpoint : List.of("inventory", "reports", "metrics", "payments", "pricing")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders/" + endpoint))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), endpoint + ": " + r.body());
      traceIds.put(endpoint, r.headers().firstValue(TraceIdFilter.HEADER).orElseThrow());
      bodies.put(endpoint, r.body());
    }
    Thread.sleep(2_500); // the fold window closes, the listener's counter is read, exports run
    output = app.stop(Duration.ofSeconds(60));
    otlp = Otlp.parse(output);
  }

  @AfterAll
  static void cleanUp() {
    if (app != null) {
      app.close();
    }
  }

  private static List<TraceDrop> dropsOn(String endpoint, String reason) {
    return DropsOnTraces.of(otlp, traceIds.get(endpoint)).stream()
        .filter(d -> reason.equals(d.reason()))
        .toList();
  }

  @Test
  void refusedInventoryCallsAreOnTheirRequestsTraceUnderTheHttpClientSpan() {
    List<TraceDrop> drops = dropsOn("inventory", "NO_SOCKET");
    assertEquals(3, drops.stream().mapToLong(TraceDrop::count).sum(), drops + app.describe());
    for (TraceDrop d : drops) {
      assertEquals("GET", d.spanName(), d.toString());
      assertEquals("client", d.attributes().get("netdrop.connection.role"), d.toString());
      assertEquals(9L, d.attributes().get("server.port"), d.toString());
      assertEquals("transmit", d.attributes().get("network.io.direction"), d.toString());
    }
  }

  @Test
  void metricsBurstIsOnItsRequestsTraceWithEveryDropTheKernelCounted() {
    List<TraceDrop> drops = dropsOn("metrics", "SOCKET_RCVBUFF");
    long kernel = Long.parseLong(field(bodies.get("metrics"), "kernelCountedDrops"));
    assertTrue(kernel > 100, bodies.get("metrics"));
    assertEquals(kernel, drops.stream().mapToLong(TraceDrop::count).sum(), drops + app.describe());
    assertTrue(drops.stream().anyMatch(d -> !d.childSpan() && d.spanName().equals("POST /orders/metrics")), drops.toString());
    assertTrue(drops.size() <= 4, "a burst is folded into a few reports: " + drops);
  }

  @Test
  void firewalledPaymentsCallIsOnItsRequestsTrace() {
    assertTrue(bodies.get("payments").contains("\"firewallRule\":true"), bodies.get("payments"));
    List<TraceDrop> drops = dropsOn("payments", "NETFILTER_DROP");
    assertFalse(drops.isEmpty(), DropsOnTraces.of(otlp, traceIds.get("payments")) + app.describe());
    for (TraceDrop d : drops) {
      assertEquals("client", d.attributes().get("netdrop.connection.role"), d.toString());
      assertTrue(String.valueOf(d.attributes().get("linux.skb.drop.location")).startsWith("nft_"), d.toString());
    }
  }

  @Test
  void lateAnswerToAClosedConnectionIsOnItsRequestsTrace() {
    // Linux 6.18 gives no specific reason: the data reaches the closed socket's time-wait remnant.
    List<TraceDrop> drops = DropsOnTraces.of(otlp, traceIds.get("pricing"));
    assertFalse(drops.isEmpty(), app.describe());
    TraceDrop d = drops.get(0);
    assertEquals("POST /orders/pricing", d.spanName(), d.toString());
    assertEquals("client", d.attributes().get("netdrop.connection.role"), d.toString());
    assertEquals("receive", d.attributes().get("network.io.direction"), d.toString());
    assertEquals(PricingClient.class.getName(), d.attributes().get("netdrop.connection.creator"), d.toString());
  }

  @Test
  void fullAcceptQueueOfTheStuckReportsServiceIsOnTheTraceOfTheRequestThatOpenedIt() {
    String service = field(bodies.get("reports"), "service");
    long port = Long.parseLong(service.substring(service.lastIndexOf(':') + 1));
    List<TraceDrop> drops = dropsOn("reports", "LISTEN_OVERFLOW");
    assertFalse(drops.isEmpty(), DropsOnTraces.of(otlp, traceIds.get("reports")) + app.describe());
    for (TraceDrop d : drops) {
      assertEquals("listener", d.attributes().get("netdrop.connection.role"), d.toString());
      assertEquals(port, d.attributes().get("network.local.port"), d.toString());
    }
  }

  @Test
  void packetCounterHasEveryReasonTheDemoCausesWithTheKernelsExactCount() {
    Map<String, Long> byReason = new HashMap<>();
    for (Otlp.Point p : otlp.lastPoints("netdrop.packet.dropped")) {
      assertEquals("{packet}", p.unit());
      byReason.merge(String.valueOf(p.attributes().get("linux.skb.drop.reason")), p.value(), Long::sum);
    }
    for (String reason : List.of("NO_SOCKET", "LISTEN_OVERFLOW", "SOCKET_RCVBUFF", "NETFILTER_DROP", "NOT_SPECIFIED")) {
      assertTrue(byReason.getOrDefault(reason, 0L) > 0, reason + " missing in " + byReason);
    }
    assertEquals(Long.parseLong(field(bodies.get("metrics"), "kernelCountedDrops")), byReason.get("SOCKET_RCVBUFF"), byReason.toString());
  }

  @Test
  void consoleFoldsTheBurstIntoAFewLines() {
    Pattern folded = Pattern.compile(" count=(\\d+) over \\d+ms$");
    long lines = 0;
    long drops = 0;
    for (String l : output) {
      if (!l.contains("{") && l.contains(" netdrop: drop SOCKET_RCVBUFF ")) {
        lines++;
        Matcher m = folded.matcher(l);
        drops += m.find() ? Long.parseLong(m.group(1)) : 1;
      }
    }
    assertTrue(lines >= 1 && lines <= 4, lines + " console lines for one burst");
    assertEquals(Long.parseLong(field(bodies.get("metrics"), "kernelCountedDrops")), drops);
  }

  /** A top-level field of a flat JSON object, as text. */
  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
    assertTrue(m.find(), name + " in " + json);
    return m.group(1);
  }
}
