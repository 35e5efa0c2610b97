package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Packets to the app's ports dropped by an nftables rule (reason NETFILTER_DROP) carry no socket:
 * they are attributed by the netns-scoped port map. The same rule on a port of this test process
 * must not be attributed to the app. Needs nft (test.sh installs nftables) and root.
 */
class NetfilterDropIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final String TABLE = "netdrop_it_" + ProcessHandle.current().pid();

  @AfterEach
  void removeRules() throws Exception {
    nft(false, "delete table inet " + TABLE);
  }

  @Test
  void attributesNetfilterDropsOnTheAppsPortsButNotOnAnotherProcesssPorts() throws Exception {
    try (ForkedJvm app =
            ForkedJvm.builder()
                .agentArgs("scan-interval-ms=60000") // registration by the instrumentation alone
                .mainClass(DropScenarioApp.class.getName())
                .start();
        ServerSocket noiseListener = new ServerSocket(0, 50, LOOPBACK)) {
      app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      app.writeLine("listen");
      int tcpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("listen-port "), TIMEOUT).substring(12));
      app.writeLine("udp-open");
      int udpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("udp-port "), TIMEOUT).substring(9));
      int noisePort = noiseListener.getLocalPort();

      nft(true, "add table inet " + TABLE);
      nft(true, "add chain inet " + TABLE + " input { type filter hook input priority 0 ; }");
      nft(true, "add rule inet " + TABLE + " input tcp dport { " + tcpPort + ", " + noisePort + " } drop");
      nft(true, "add rule inet " + TABLE + " input udp dport " + udpPort + " drop");

      tryConnect(tcpPort);
      tryConnect(noisePort);
      try (DatagramChannel sender = DatagramChannel.open()) {
        for (int i = 0; i < 5; i++) {
          sender.send(ByteBuffer.allocate(100), new InetSocketAddress(LOOPBACK, udpPort));
        }
      }

      String tcp =
          app.awaitLine(
              l -> l.contains(" drop NETFILTER_DROP tcp ") && l.contains("> 127.0.0.1:" + tcpPort + " "),
              TIMEOUT);
      assertTrue(tcp.contains("(port)"), tcp);
      String udp =
          app.awaitLine(
              l -> l.contains(" drop NETFILTER_DROP udp ") && l.contains("> 127.0.0.1:" + udpPort + " "),
              TIMEOUT);
      assertTrue(udp.contains("(port)") || udp.contains("(socket)"), udp);
      for (String line : app.stderr()) {
        if (line.contains(" netdrop: drop ") && line.contains(":" + noisePort + " ")) {
          fail("a drop on another process's port was attributed to the app: " + line);
        }
      }
    }
  }

  private static void tryConnect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port), 1000);
    } catch (IOException expected) {
      // the SYN was dropped: the connect times out
    }
  }

  private static void nft(boolean mustSucceed, String command) throws Exception {
    Process p = new ProcessBuilder("nft", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0 && mustSucceed) {
      fail("nft " + command + " failed: " + out);
    }
  }
}
