package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A listener with a full accept backlog: the SYNs it refuses never reach kfree_skb, so netdrop
 * reports them per listener from the socket's own drop counter, equal to what the kernel counted
 * (cross-checked with {@code ss -tlnm}, which prints the same counter as {@code d<N>}).
 */
class ListenOverflowIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Test
  void reportsAFullAcceptQueuePerListenerAsTheKernelCountedIt() throws Exception {
    try (ForkedJvm app =
        ForkedJvm.builder()
            .agentArgs("scan-interval-ms=60000") // registration by the instrumentation alone
            .mainClass(DropScenarioApp.class.getName())
            .start()) {
      app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      app.writeLine("listen-full");
      int port = Integer.parseInt(app.awaitLine(l -> l.startsWith("listen-full-port "), TIMEOUT).substring(17));
      List<SocketChannel> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 12; i++) {
          SocketChannel c = SocketChannel.open();
          c.configureBlocking(false);
          c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
          clients.add(c);
        }
        app.awaitLine(
            l -> l.contains(" netdrop: drop LISTEN_OVERFLOW tcp > 127.0.0.1:" + port + " "), TIMEOUT);
      } finally {
        for (SocketChannel c : clients) {
          c.close(); // no more retransmitted SYNs: the listener's count stops here
        }
      }
      Thread.sleep(300);
      long kernel = ssDrops(port);
      assertTrue(kernel > 0, "ss saw no drops on the listener");
      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      String totals = app.awaitLine(l -> l.startsWith("netdrop: totals "), TIMEOUT);
      long reported = 0;
      Pattern count =
          Pattern.compile(" drop LISTEN_OVERFLOW tcp > 127.0.0.1:" + port + " .* count=(\\d+) total=(\\d+)");
      for (String line : app.stderr()) {
        Matcher m = count.matcher(line);
        if (m.find()) {
          reported += Long.parseLong(m.group(1));
        }
      }
      assertEquals(kernel, reported, app.describe());
      assertTrue(totals.contains(" LISTEN_OVERFLOW=" + kernel), totals);
    }
  }

  private static long ssDrops(int port) throws Exception {
    Process p = new ProcessBuilder("ss", "-tlnmH", "sport = :" + port).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m = Pattern.compile(",d(\\d+)\\)").matcher(out);
    assertTrue(m.find(), "no skmem drops in: " + out);
    return Long.parseLong(m.group(1));
  }
}
