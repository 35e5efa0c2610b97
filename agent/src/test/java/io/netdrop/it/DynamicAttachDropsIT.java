package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netdrop.agent.WaitingApp;
import io.netdrop.testing.ForkedJvm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code java -jar netdrop-agent.jar attach <pid>} into a JVM that was started without the agent,
 * on this JDK and on Java 25, as root on this machine's kernel (Linux 5.17+ drop reasons, BTF).
 *
 * <p>Every socket the drops hit was opened before the attach, so only the agent's
 * {@code /proc/self/fd} scan can have registered them: no instrumentation saw them being created.
 */
class DynamicAttachDropsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final String WATCHING = "netdrop: watching kfree_skb drops";
  private static final String[] UNPRIVILEGED = {
    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"
  };

  /** The JDK running this test, and Java 25, which must be present (it is in CI). */
  static Stream<Path> javaHomes() {
    Path java25 = Paths.get(System.getProperty("netdrop.it.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    if (!Files.isExecutable(java25.resolve("bin/java"))) {
      fail("no Java 25 at " + java25 + " (set netdrop.it.java25.home)");
    }
    return Stream.of(Paths.get(System.getProperty("java.home")), java25);
  }

  @ParameterizedTest(name = "java.home={0}")
  @MethodSource("javaHomes")
  void reportsDropsOnSocketsOpenedBeforeTheAgentWasAttached(Path javaHome) throws Exception {
    try (ForkedJvm app =
            ForkedJvm.builder().withoutAgent().javaHome(javaHome).mainClass(PreexistingSocketsApp.class.getName()).start();
        SocketChannel client = SocketChannel.open();
        DatagramChannel sender = DatagramChannel.open()) {
      int udpPort = portAfter(app, "udp-port ");
      int listenPort = portAfter(app, "listen-port ");
      client.connect(new InetSocketAddress(LOOPBACK, listenPort));
      app.awaitLine(l -> l.startsWith("accepted "), TIMEOUT);

      String loaded = attach(javaHome, app.pid(), "scan-interval-ms=100,debug=true");
      assertTrue(
          loaded.matches(
              "netdrop: loaded .*netdrop-agent\\.jar into process " + app.pid() + " \\(Java [^,]+, "
                  + PreexistingSocketsApp.class.getName() + "\\) with arguments 'scan-interval-ms=100,debug=true';.*"),
          loaded);
      app.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      assertTrue(
          app.stderr().stream().anyMatch(l -> l.startsWith("netdrop: debug: NetdropConfig") && l.endsWith("(dynamic attach)")),
          app.describe());

      ByteBuffer datagram = ByteBuffer.allocate(1000);
      for (int i = 0; i < 200; i++) {
        sender.send(datagram.clear(), new InetSocketAddress(LOOPBACK, udpPort));
      }
      String udpDrop =
          app.awaitLine(l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains("> 127.0.0.1:" + udpPort + " "), TIMEOUT);
      assertTrue(udpDrop.contains("(socket)"), udpDrop);

      String tcpDrop = zeroWindowProbes(app, client, listenPort);
      assertTrue(tcpDrop.contains(" tcp 127.0.0.1:" + client.socket().getLocalPort() + " > 127.0.0.1:" + listenPort + " "), tcpDrop);
      assertTrue(tcpDrop.contains("(socket)"), tcpDrop);

      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      String totals = app.awaitLine(l -> l.startsWith("netdrop: totals "), Duration.ZERO);
      assertTrue(totals.contains(" SOCKET_RCVBUFF="), totals);
      assertTrue(totals.contains(" TCP_"), totals);
      assertTrue(app.stdout().contains("bye"), app.describe());
    }
  }

  @Test
  void attachCommandRefusesAJvmOfAnotherUser() {
    try (ForkedJvm app = ForkedJvm.builder().withoutAgent().mainClass(WaitingApp.class.getName()).start()) {
      app.awaitLine("app: ready"::equals, TIMEOUT);
      try (ForkedJvm attach =
          ForkedJvm.builder()
              .withoutAgent()
              .launcher(UNPRIVILEGED)
              .executableJar(ForkedJvm.defaultAgentJar(), "attach", Long.toString(app.pid()))
              .start()) {
        assertEquals(1, attach.waitFor(TIMEOUT), attach.describe());
        assertEquals(
            List.of("netdrop: cannot attach to process " + app.pid() + " (java): it runs as uid 0 and this command as"
                + " uid 65534; run the command as root"),
            attach.stderr(),
            attach.describe());
      }
      app.writeLine("bye");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      assertTrue(app.stderr().stream().noneMatch(l -> l.startsWith("netdrop:")), app.describe());
    }
  }

  @Test
  void attachCommandLoadsNothingIntoAJvmThatLacksTheCapabilities() {
    try (ForkedJvm app =
        ForkedJvm.builder().withoutAgent().launcher(UNPRIVILEGED).mainClass(WaitingApp.class.getName()).start()) {
      app.awaitLine("app: ready"::equals, TIMEOUT);
      try (ForkedJvm attach =
          ForkedJvm.builder()
              .withoutAgent()
              .executableJar(ForkedJvm.defaultAgentJar(), "attach", Long.toString(app.pid()))
              .start()) {
        assertEquals(1, attach.waitFor(TIMEOUT), attach.describe());
        assertEquals(
            List.of("netdrop: process " + app.pid() + " (java) lacks CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN), which"
                + " netdrop needs in the JVM it runs in; nothing was loaded"),
            attach.stderr(),
            attach.describe());
      }
      app.writeLine("bye");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      assertTrue(app.stderr().stream().noneMatch(l -> l.startsWith("netdrop:")), app.describe());
    }
  }

  @Test
  void attachCommandNamesTheMissingAttachModuleOfAJre() {
    try (ForkedJvm app = ForkedJvm.builder().withoutAgent().mainClass(WaitingApp.class.getName()).start()) {
      app.awaitLine("app: ready"::equals, TIMEOUT);
      try (ForkedJvm attach =
          ForkedJvm.builder()
              .withoutAgent()
              // What a jlink'ed runtime without jdk.attach looks like to the command.
              .jvmArg("--limit-modules=java.base,java.instrument")
              .executableJar(ForkedJvm.defaultAgentJar(), "attach", Long.toString(app.pid()))
              .start()) {
        assertEquals(1, attach.waitFor(TIMEOUT), attach.describe());
        assertEquals(1, attach.stderr().size(), attach.describe());
        assertTrue(
            attach.stderr().get(0).startsWith("netdrop: this Java runtime (")
                && attach.stderr().get(0).endsWith(") has no jdk.attach module (a JRE, or --limit-modules); run the"
                    + " command with the java of a JDK"),
            attach.describe());
      }
    }
  }

  @Test
  void attachCommandReportsAProcessThatIsNotAJvm() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    try {
      while (!Files.readString(Paths.get("/proc", Long.toString(sleep.pid()), "comm")).strip().equals("sleep")) {
        Thread.sleep(10);
      }
      try (ForkedJvm attach =
          ForkedJvm.builder()
              .withoutAgent()
              .executableJar(ForkedJvm.defaultAgentJar(), "attach", Long.toString(sleep.pid()), "debug=true")
              .start()) {
        assertEquals(3, attach.waitFor(TIMEOUT), attach.describe());
        assertEquals(
            List.of("netdrop: process " + sleep.pid() + " (sleep) is not a Java virtual machine (no libjvm.so mapped)"),
            attach.stderr(),
            attach.describe());
      }
      assertTrue(sleep.isAlive(), "the attach command signalled a process that is not a JVM");
    } finally {
      sleep.destroyForcibly();
    }
  }

  /** Runs the attach command as its own JVM and returns the line it printed on success. */
  private static String attach(Path javaHome, long pid, String agentArgs) {
    try (ForkedJvm attach =
        ForkedJvm.builder()
            .withoutAgent()
            .javaHome(javaHome)
            .executableJar(ForkedJvm.defaultAgentJar(), "attach", Long.toString(pid), agentArgs)
            .start()) {
      assertEquals(0, attach.waitFor(TIMEOUT), attach.describe());
      assertEquals(1, attach.stdout().size(), attach.describe());
      return attach.stdout().get(0);
    }
  }

  /** Fills the app's never-read, tiny-window connection until the kernel drops a probe (TCP_*). */
  private static String zeroWindowProbes(ForkedJvm app, SocketChannel client, int port) throws Exception {
    client.configureBlocking(false);
    ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    Predicate<String> tcpDrop = l -> l.contains(" drop TCP_") && l.contains("> 127.0.0.1:" + port + " ");
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      client.write(chunk.clear());
      for (String line : app.stderr()) {
        if (tcpDrop.test(line)) {
          return line;
        }
      }
      Thread.sleep(50);
    }
    return fail("no TCP_* drop reported on the app's pre-existing connection to port " + port + app.describe());
  }

  private static int portAfter(ForkedJvm app, String prefix) {
    return Integer.parseInt(app.awaitLine(l -> l.startsWith(prefix), TIMEOUT).substring(prefix.length()));
  }
}
