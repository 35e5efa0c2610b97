package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Netty's native epoll transport (sockets created in native code, int file descriptors): its
 * drops are attributed to the right Netty connection — SOCKET_RCVBUFF on a flooded datagram
 * channel, NO_SOCKET on a connect to a closed port, NETFILTER_DROP on a server port.
 */
class NettyEpollDropsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final String APP = NettyScenarioApp.class.getName();

  @Test
  void attributesDropsOnNettyEpollChannels() throws Exception {
    String table = "netdrop_netty_" + ProcessHandle.current().pid();
    try (ForkedJvm app =
        ForkedJvm.builder()
            .agentArgs("scan-interval-ms=60000") // attribution must come from the instrumentation
            .classpath(classpath())
            .mainClass(APP)
            .start()) {
      app.awaitLine("ready"::equals, TIMEOUT);
      app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);

      app.writeLine("udp-open");
      int udpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("udp-port "), TIMEOUT).substring(9));
      try (DatagramChannel sender = DatagramChannel.open()) {
        for (int i = 0; i < 100; i++) {
          sender.send(ByteBuffer.allocate(1000), new InetSocketAddress(LOOPBACK, udpPort));
        }
      }
      String udp =
          app.awaitLine(
              l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains("> 127.0.0.1:" + udpPort + " "),
              TIMEOUT);
      assertTrue(udp.contains(" conn=udp 127.0.0.1:" + udpPort + " by " + APP + " [main]"), udp);

      int closed;
      try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
        closed = s.getLocalPort();
      }
      app.writeLine("connect " + closed);
      app.awaitLine("connect-failed"::equals, TIMEOUT);
      String refused =
          app.awaitLine(
              l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "), TIMEOUT);
      assertTrue(refused.contains(" conn=client "), refused);
      assertTrue(refused.contains("->127.0.0.1:" + closed + " by " + APP + " [main]"), refused);

      app.writeLine("listen");
      int tcpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("listen-port "), TIMEOUT).substring(12));
      nft(true, "add table inet " + table);
      try {
        nft(true, "add chain inet " + table + " input { type filter hook input priority 0 ; }");
        nft(true, "add rule inet " + table + " input tcp dport " + tcpPort + " drop");
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(LOOPBACK, tcpPort), 1000);
        } catch (IOException expected) {
          // the SYN was dropped by the rule
        }
        String filtered =
            app.awaitLine(
                l -> l.contains(" drop NETFILTER_DROP tcp ") && l.contains("> 127.0.0.1:" + tcpPort + " "),
                TIMEOUT);
        assertTrue(filtered.contains("(port)"), filtered);
        assertTrue(filtered.contains(" conn=listener 127.0.0.1:" + tcpPort + " by " + APP), filtered);
      } finally {
        nft(false, "delete table inet " + table);
      }
      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
    }
  }

  /** Test classes and Netty, as the app's own class path; the agent comes from its jar. */
  private static Path[] classpath() {
    List<Path> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(e).getFileName().toString();
      if (e.contains("test-classes") || name.startsWith("netty-")) {
        entries.add(Path.of(e));
      }
    }
    return entries.toArray(new Path[0]);
  }

  private static void nft(boolean mustSucceed, String command) throws Exception {
    Process p = new ProcessBuilder("nft", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0 && mustSucceed) {
      throw new AssertionError("nft " + command + " failed: " + out);
    }
  }
}
