package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Netty 4.2's io_uring transport, whose connect, accept, reads and writes are ring operations
 * rather than calls into {@code io.netty.channel.unix.Socket}: its drops are attributed to the
 * right Netty connection — SOCKET_RCVBUFF on a flooded datagram channel, NO_SOCKET on a connect
 * to a closed port (the client's remote known from the connect hook), NETFILTER_DROP on an
 * accepted connection (its tuple known from the accept hook, its last use from the read
 * completion hook) and on the listener; on Java 17 and 25. Needs kernel io_uring
 * ({@code kernel.io_uring_disabled} = 0), nft and root; the app fails with Netty's reason if
 * io_uring cannot be used.
 */
class NettyIoUringDropsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final String APP = NettyIoUringScenarioApp.class.getName();

  @Test
  void attributesDropsOnNettyIoUringChannelsOnJava17() throws Exception {
    assertEquals(17, Runtime.version().feature(), "failsafe runs on the default JDK 17");
    attributesDrops(Path.of(System.getProperty("java.home")), "17");
  }

  @Test
  void attributesDropsOnNettyIoUringChannelsOnJava25() throws Exception {
    Path home = Path.of(System.getProperty("netdrop.it.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    assertTrue(Files.isExecutable(home.resolve("bin/java")), "no Java 25 at " + home);
    attributesDrops(home, "25");
  }

  private static void attributesDrops(Path javaHome, String feature) throws Exception {
    String table = "netdrop_uring_" + feature + "_" + ProcessHandle.current().pid();
    try (ForkedJvm app =
        ForkedJvm.builder()
            .javaHome(javaHome)
            .agentArgs("scan-interval-ms=60000") // attribution must come from the instrumentation
            .classpath(classpath())
            .mainClass(APP)
            .start()) {
      app.awaitLine("ready"::equals, TIMEOUT);
      app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      app.writeLine("java");
      assertEquals("java " + feature, app.awaitLine(l -> l.startsWith("java "), TIMEOUT));

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
      app.awaitLine(l -> l.startsWith("connect-failed"), TIMEOUT);
      String refused =
          app.awaitLine(
              l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "), TIMEOUT);
      assertTrue(refused.contains(" conn=client "), refused);
      assertTrue(refused.contains("->127.0.0.1:" + closed + " by " + APP + " [main]"), refused);

      app.writeLine("listen");
      int tcpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("listen-port "), TIMEOUT).substring(12));
      try (Socket client = new Socket()) {
        client.connect(new InetSocketAddress(LOOPBACK, tcpPort), 5000);
        int clientPort = client.getLocalPort();
        app.awaitLine(("accepted " + clientPort)::equals, TIMEOUT);
        OutputStream out = client.getOutputStream();
        out.write(new byte[] {1, 2, 3});
        out.flush();
        app.awaitLine(("read " + clientPort + " 3")::equals, TIMEOUT);

        nft(true, "add table inet " + table);
        try {
          nft(true, "add chain inet " + table + " input { type filter hook input priority 0 ; }");
          nft(true, "add rule inet " + table + " input tcp dport " + tcpPort + " drop");
          out.write(new byte[] {4, 5, 6});
          out.flush();
          String accepted =
              app.awaitLine(
                  l -> l.contains(" drop NETFILTER_DROP tcp 127.0.0.1:" + clientPort + " > 127.0.0.1:" + tcpPort + " "),
                  TIMEOUT);
          assertTrue(accepted.contains("(tuple)"), accepted);
          assertTrue(
              accepted.contains(" conn=server 127.0.0.1:" + tcpPort + "->127.0.0.1:" + clientPort + " by " + APP),
              accepted);
          // The read completion of the first bytes, on the event loop: not the creating thread.
          assertTrue(accepted.contains(" used by ["), accepted);
          assertFalse(accepted.contains(" used by [main]"), accepted);

          try (Socket refusedByRule = new Socket()) {
            refusedByRule.connect(new InetSocketAddress(LOOPBACK, tcpPort), 1000);
          } catch (IOException expected) {
            // the SYN was dropped by the rule
          }
          String listener =
              app.awaitLine(
                  l -> l.contains(" drop NETFILTER_DROP tcp ")
                      && l.contains("> 127.0.0.1:" + tcpPort + " ")
                      && !l.contains(" 127.0.0.1:" + clientPort + " > "),
                  TIMEOUT);
          assertTrue(listener.contains("(port)"), listener);
          assertTrue(listener.contains(" conn=listener 127.0.0.1:" + tcpPort + " by " + APP), listener);
        } finally {
          nft(false, "delete table inet " + table);
        }
      }
      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      List<String> problems =
          app.stderr().stream().filter(l -> l.startsWith("netdrop: instrumentation:")).collect(Collectors.toList());
      assertEquals(List.of(), problems, app.describe());
    }
  }

  /**
   * Test classes and the Netty 4.2 jars that the build copied for this test; not the Netty 4.1
   * of the test class path. The agent comes from its jar.
   */
  private static Path[] classpath() throws IOException {
    Path uringLibs = Path.of(System.getProperty("netdrop.it.app.uring.dir", "target/test-libs/netty-io_uring"));
    List<Path> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.contains("test-classes")) {
        entries.add(Path.of(e));
      }
    }
    try (Stream<Path> jars = Files.list(uringLibs)) {
      jars.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().forEach(entries::add);
    }
    assertTrue(
        entries.stream().anyMatch(p -> p.getFileName().toString().startsWith("netty-transport-classes-io_uring-")),
        "no Netty io_uring jar in " + uringLibs + " (the build copies it at generate-test-resources)");
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
