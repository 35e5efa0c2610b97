package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netdrop.testing.DropLineCounts;
import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The kernel path end to end, as root, on this machine's kernel (needs Linux 5.17+ drop reasons,
 * BTF and CAP_BPF/CAP_PERFMON; nothing is skipped: if the program cannot load, these fail).
 *
 * <p>A forked JVM runs {@link DropScenarioApp} under {@code -javaagent}; this test JVM, a
 * different process, causes the drops on the app's sockets and, at the same time, the same kinds
 * of drops on sockets of its own, which must never be reported by the app's agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelDropsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final Pattern SOCKET = Pattern.compile(" socket=(\\d+) ");

  private static final String APP = DropScenarioApp.class.getName();
  private static ForkedJvm app;
  private static final List<Integer> noisePorts = new ArrayList<>();
  private static int udpPort;
  private static int listenPort;
  private static long udpKernelDrops;
  private static final int CLOSE_FIRST = 20;
  private static int closeFirstPort;

  @BeforeAll
  static void startApp() {
    app =
        ForkedJvm.builder()
            // This machine and CI run everything in the root cgroup, where the default (auto) leaves
            // the cgroup programs out: the kernel registration path is asked for here, the default
            // is proved by CgroupPlacementIT.
            .agentArgs("scan-interval-ms=100,debug=true,cgroup-hooks=on")
            .mainClass(DropScenarioApp.class.getName())
            .start();
    app.awaitLine("ready"::equals, TIMEOUT);
    String watching = app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
    // Every test below runs on the kernel-side registration (the per-packet tracker is detached,
    // accepted sockets are registered inside getpeername()).
    assertTrue(
        watching.contains(
            "sockets registered in the kernel at creation, connects learned in tcp_connect(),"
                + " accepts registered in getpeername()"),
        watching);
    // ... called through the JDK's own JNI method, which the agent reached through Instrumentation.
    assertFalse(watching.contains("(called through JNA)"), watching);
  }

  @AfterAll
  static void stopApp() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  @Order(1)
  void reportsSocketRcvbuffForAFloodedUdpSocketButNotAnotherProcesssFlood() throws Exception {
    // Registered inside socket() and bind(): ours before "udp-port" is printed, no wait needed.
    app.writeLine("udp-open");
    udpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("udp-port "), TIMEOUT).substring(9));

    try (DatagramChannel ours = DatagramChannel.open();
        DatagramChannel sender = DatagramChannel.open()) {
      ours.setOption(StandardSocketOptions.SO_RCVBUF, 1);
      ours.bind(new InetSocketAddress(LOOPBACK, 0));
      int noisePort = ((InetSocketAddress) ours.getLocalAddress()).getPort();
      noisePorts.add(noisePort);
      ByteBuffer payload = ByteBuffer.allocate(1000);
      for (int i = 0; i < 200; i++) {
        sender.send(payload.clear(), new InetSocketAddress(LOOPBACK, udpPort));
        sender.send(payload.clear(), new InetSocketAddress(LOOPBACK, noisePort));
      }
    }
    app.writeLine("udp-drops " + udpPort);
    udpKernelDrops =
        Long.parseLong(app.awaitLine(l -> l.startsWith("udp-drops "), TIMEOUT).substring(10));
    assertTrue(udpKernelDrops > 100, "the kernel dropped only " + udpKernelDrops + app.describe());

    String to = "> 127.0.0.1:" + udpPort + " ";
    awaitCount(l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains(to), udpKernelDrops);
    String line = firstLine(l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains(to));
    assertTrue(line.contains(" conn=udp 127.0.0.1:" + udpPort + " by " + APP + " [main]"), line);
    assertNoDropMentionsNoisePorts();
  }

  @Test
  @Order(2)
  void reportsNoSocketForAConnectToAClosedPortButNotAnotherProcesssConnect() throws Exception {
    int closed = closedPort();
    int noiseClosed = closedPort();
    noisePorts.add(noiseClosed);
    CompletableFuture<Void> noise = CompletableFuture.runAsync(() -> refusedConnect(noiseClosed));
    app.writeLine("connect " + closed);
    app.awaitLine(l -> l.startsWith("connect-"), TIMEOUT);
    noise.get();

    String line =
        app.awaitLine(
            l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "),
            TIMEOUT);
    assertTrue(line.contains("(tuple)"), line);
    assertTrue(line.contains(" at tcp_v4_rcv+0x"), line);
    // Attributed to the connection the app's main thread opened towards the closed port.
    assertTrue(line.contains(" conn=client "), line);
    assertTrue(line.contains("->127.0.0.1:" + closed + " by " + APP + " [main]"), line);
    assertNoDropMentionsNoisePorts();
  }

  @Test
  @Order(3)
  void reportsATcpReasonForZeroWindowProbesIntoANonReadingReceiver() throws Exception {
    app.writeLine("listen");
    int port =
        Integer.parseInt(app.awaitLine(l -> l.startsWith("listen-port "), TIMEOUT).substring(12));
    listenPort = port;
    try (ServerSocketChannel noiseServer = ServerSocketChannel.open()) {
      noiseServer.setOption(StandardSocketOptions.SO_RCVBUF, 1);
      noiseServer.bind(new InetSocketAddress(LOOPBACK, 0));
      noisePorts.add(noiseServer.socket().getLocalPort());
      try (SocketChannel toApp = SocketChannel.open(new InetSocketAddress(LOOPBACK, port));
          SocketChannel toNoise = SocketChannel.open(noiseServer.getLocalAddress());
          SocketChannel noiseAccepted = noiseServer.accept()) {
        // The accept advice registered the socket before accept() returned, so before this line.
        app.awaitLine(l -> l.startsWith("accepted "), TIMEOUT);
        toApp.configureBlocking(false);
        toNoise.configureBlocking(false);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        String tcpDrop = null;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (tcpDrop == null && System.nanoTime() < deadline) {
          toApp.write(chunk.clear());
          toNoise.write(chunk.clear());
          tcpDrop = firstLine(l -> l.contains(" drop TCP_") && l.contains("> 127.0.0.1:" + port + " "));
          Thread.sleep(50);
        }
        if (tcpDrop == null) {
          fail("no TCP_* drop reported for the app's non-reading receiver" + app.describe());
        }
        assertTrue(tcpDrop.contains("(socket)"), tcpDrop);
        // The accepted connection: a server-side socket, created by the app's listener.
        assertTrue(tcpDrop.contains(" conn=server 127.0.0.1:" + port + "->127.0.0.1:"), tcpDrop);
        assertTrue(tcpDrop.contains(" by " + APP + " "), tcpDrop);
      }
    }
    assertNoDropMentionsNoisePorts();
  }

  @Test
  @Order(4)
  void ignoresSocketlessDropsOnTheSamePortsInAnotherNetworkNamespace() throws Exception {
    String ns = "netdrop-it-" + ProcessHandle.current().pid();
    run("ip", "netns", "add", ns);
    try {
      run("ip", "-n", ns, "link", "set", "lo", "up");
      // The app has a bound UDP port and a listener; in `ns` the same ports are closed, so the
      // packets are dropped NO_SOCKET there, with the same local ports as the app's sockets.
      try (ForkedJvm noise =
          ForkedJvm.builder()
              .withoutAgent()
              .launcher("ip", "netns", "exec", ns)
              .mainClass(NetnsNoiseApp.class.getName(), Integer.toString(udpPort), Integer.toString(listenPort))
              .start()) {
        assertEquals(0, noise.waitFor(TIMEOUT), noise.describe());
        assertTrue(noise.stdout().contains("noise: refused"), noise.describe());
      }
      // Something socketless of ours after it, so the reader has demonstrably caught up.
      int closed = closedPort();
      app.writeLine("connect " + closed);
      app.awaitLine(
          l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "), TIMEOUT);
      for (String line : app.stderr()) {
        if (line.contains(" drop NO_SOCKET ")
            && (line.contains(":" + udpPort + " ") || line.contains(":" + listenPort + " "))) {
          fail("a drop in network namespace " + ns + " was attributed to the app: " + line);
        }
      }
    } finally {
      run("ip", "netns", "delete", ns);
    }
  }

  @Test
  @Order(5)
  void closingBeforeReadingThePeersFinIsNotReportedAsADrop() {
    app.writeLine("close-first " + CLOSE_FIRST);
    closeFirstPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("close-first-port "), TIMEOUT).split(" ")[1]);
  }

  @Test
  @Order(6)
  void countsInTheKernelExactlyWhatTheKernelDropped() {
    app.writeLine("exit");
    assertEquals(0, app.waitFor(TIMEOUT), app.describe());
    String udpLine =
        firstLine(l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains(":" + udpPort + " "));
    Matcher m = SOCKET.matcher(udpLine);
    assertTrue(m.find(), udpLine);
    String totals = app.awaitLine(l -> l.startsWith("netdrop: totals "), TIMEOUT);
    assertTrue(
        totals.contains(" socket=" + m.group(1) + " SOCKET_RCVBUFF=" + udpKernelDrops + ";"),
        "kernel sk_drops " + udpKernelDrops + " vs " + totals);
    assertNoDropMentionsNoisePorts();
    // Each server socket of "close-first" had its peer's FIN purged unread: counted apart, once
    // per connection, and neither printed nor counted per socket.
    Matcher purges = Pattern.compile(" empty_purges=(\\d+)").matcher(totals);
    assertTrue(purges.find(), totals);
    // Nearly every close purges an unread FIN; whether the last few have by exit is timing.
    assertTrue(Long.parseLong(purges.group(1)) >= CLOSE_FIRST / 2, totals);
    for (String line : app.stderr()) {
      assertFalse(
          line.contains(" drop QUEUE_PURGE ") && line.contains(":" + closeFirstPort + " "), line);
    }
  }

  private static void assertNoDropMentionsNoisePorts() {
    for (String line : app.stderr()) {
      if (!line.contains(" netdrop: drop ")) {
        continue;
      }
      for (int port : noisePorts) {
        if (line.contains("127.0.0.1:" + port + " ")) {
          fail("another process's drop was attributed to the app: " + line);
        }
      }
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      fail(String.join(" ", command) + " failed: " + out);
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }

  private static void refusedConnect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port), 2000);
    } catch (IOException expected) {
      // refused: the SYN was dropped as NO_SOCKET
    }
  }

  private static String firstLine(Predicate<String> p) {
    return app.stderr().stream().filter(p).findFirst().orElse(null);
  }

  private static int count(Predicate<String> p) {
    // A folded burst's line stands for its count of drops.
    return (int) app.stderr().stream().filter(p).mapToLong(DropLineCounts::dropsIn).sum();
  }

  private static void awaitCount(Predicate<String> p, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (count(p) < expected) {
      if (System.nanoTime() > deadline) {
        fail("expected " + expected + " drops in matching lines, saw " + count(p) + app.describe());
      }
      Thread.sleep(20);
    }
  }

  @SuppressWarnings("unused")
  private static List<String> drops() {
    return app.stderr().stream()
        .filter(l -> l.contains(" netdrop: drop "))
        .collect(Collectors.toList());
  }
}
