package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.DropLineCounts;
import io.netdrop.testing.ForkedJvm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The classic-tracepoint programs (tracefs + perf_event, CO-RE on the tracepoint's own context)
 * and the event rate limit: drops beyond the limit are not sent but still counted exactly.
 * Needs tracefs mounted (test.sh mounts it) and root.
 */
class TracepointFallbackIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void reportsDropsThroughTheTracepointAndCountsWhatTheRateLimitHeldBack() throws Exception {
    try (ForkedJvm app =
        ForkedJvm.builder()
            .agentArgs("attach=tracepoint,events-per-second=1,event-burst=5,scan-interval-ms=60000") // registration by the instrumentation alone
            .mainClass(DropScenarioApp.class.getName())
            .start()) {
      String ready = app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      assertTrue(ready.contains("tracepoint/skb/kfree_skb (nd_kfree_skb_tp)"), ready);

      int closed;
      try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
        closed = s.getLocalPort();
      }
      app.writeLine("connect " + closed);
      app.awaitLine(
          l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "),
          TIMEOUT);

      app.writeLine("udp-open");
      int port = Integer.parseInt(app.awaitLine(l -> l.startsWith("udp-port "), TIMEOUT).substring(9));
      try (DatagramChannel sender = DatagramChannel.open()) {
        for (int i = 0; i < 300; i++) {
          sender.send(ByteBuffer.allocate(1000), new InetSocketAddress(LOOPBACK, port));
        }
      }
      app.writeLine("udp-drops " + port);
      long kernelDrops =
          Long.parseLong(app.awaitLine(l -> l.startsWith("udp-drops "), TIMEOUT).substring(10));
      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());

      List<String> dropLines = app.stderr().stream().filter(l -> l.contains(" netdrop: drop ")).toList();
      long lines = dropLines.size();
      long reported = dropLines.stream().mapToLong(DropLineCounts::dropsIn).sum();
      String totals = app.awaitLine(l -> l.startsWith("netdrop: totals "), TIMEOUT);
      // The bucket is per CPU: a burst of 5 on each, plus one refill per second.
      int cpus = io.netdrop.bpf.PossibleCpus.count();
      assertTrue(lines <= 6L * cpus + 2, "rate limit of burst 5 per CPU let " + lines + " events through");
      assertTrue(totals.contains(" SOCKET_RCVBUFF=" + kernelDrops + ";"), kernelDrops + " vs " + totals);
      Matcher m =
          Pattern.compile(" matched=(\\d+) events=(\\d+) rate_limited=(\\d+) ringbuf_full=(\\d+)")
              .matcher(totals);
      assertTrue(m.find(), totals);
      long matched = Long.parseLong(m.group(1));
      long events = Long.parseLong(m.group(2));
      long limited = Long.parseLong(m.group(3));
      long full = Long.parseLong(m.group(4));
      assertEquals(kernelDrops + 1, matched, totals);
      assertEquals(matched, events + limited + full, "every match is sent or counted: " + totals);
      assertEquals(reported, events, "the lines (folded bursts counted) stand for every event: " + totals);
      assertTrue(limited > 0, totals);
    }
  }
}
