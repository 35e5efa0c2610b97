package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netdrop.kernel.CgroupV2;
import io.netdrop.testing.DropLineCounts;
import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where the cgroup programs go (netdrop.cgroup-hooks, docs/design.md "Where the cgroup programs
 * go"), end to end: the app is put into the host's root cgroup or into a child cgroup of its own
 * before its JVM starts, and runs as root or as an unprivileged user with only CAP_BPF and
 * CAP_PERFMON. Each case checks the words of the start-up line and that the same drops are reported
 * and attributed: on a bound UDP socket, on an accepted connection, and on a connect to a closed
 * port, whose SYN the kernel drops before connect() returns (attributed by the connect() tuple that
 * the kernel learned in time: by nd_sock_ops, or by the per-packet tracker without it). Needs root, cgroup v2 and Linux 5.17+; nothing is skipped.
 */
class CgroupPlacementIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final String APP = DropScenarioApp.class.getName();
  private static final String WATCHING = "netdrop: watching kfree_skb drops";
  /** Writes the shell's pid into the cgroup directory given as $0, then runs the rest. */
  private static final String INTO_CGROUP = "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"";
  private static final String[] BPF_AND_PERFMON_ONLY = {
    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
    "--inh-caps=-all,+bpf,+perfmon", "--ambient-caps=-all,+bpf,+perfmon"
  };
  private static final String KERNEL_PATH =
      "sockets registered in the kernel at creation, connects learned in tcp_connect(),"
          + " accepts registered in getpeername()";

  private final List<Path> made = new ArrayList<>();
  private ForkedJvm app;

  @AfterEach
  void removeCgroups() throws Exception {
    if (app != null) {
      app.close();
      app.waitFor(TIMEOUT);
    }
    for (Path dir : made) {
      // A cgroup goes once its last process has: the JVM may take a moment to be reaped.
      for (int i = 0; i < 100 && Files.exists(dir); i++) {
        try {
          Files.delete(dir);
        } catch (IOException busy) {
          Thread.sleep(50);
        }
      }
    }
  }

  @Test
  void putsOnlyTheConnectHookOnTheRootCgroupByDefaultAndStillAttributesEveryDrop() throws Exception {
    String watching = start(rootCgroup(), null);
    assertTrue(
        watching.contains(
            "sockets registered from Java: the JVM is in the host's root cgroup, where kernel hooks"
                + " would run for every process of the host; set netdrop.cgroup-hooks=on to use them,"
                + " connects learned in tcp_connect() (nd_sock_ops alone on the root cgroup: it"
                + " decides nothing),"),
        watching);
    assertDropsAttributed();
  }

  @Test
  void attachesTheCgroupProgramsToTheRootCgroupWhenAskedTo() throws Exception {
    String watching = start(rootCgroup(), "cgroup-hooks=on");
    assertTrue(
        watching.contains(
            KERNEL_PATH
                + ", by cgroup programs on the host's root cgroup that every process of the host"
                + " runs (netdrop.cgroup-hooks=on),"),
        watching);
    assertDropsAttributed();
  }

  @Test
  void attachesTheCgroupProgramsToAChildCgroupByDefault() throws Exception {
    String watching = start(childCgroup(), null);
    assertTrue(watching.contains(KERNEL_PATH + ", "), watching);
    assertTrue(!watching.contains("root cgroup"), watching);
    assertDropsAttributed();
  }

  @Test
  void withoutCapNetAdminSaysSoAndStillAttributesEveryDrop() throws Exception {
    String watching = start(childCgroup(), null, BPF_AND_PERFMON_ONLY);
    assertTrue(
        watching.contains(
            "sockets registered from Java: no CAP_NET_ADMIN, without which the kernel refuses cgroup"
                + " programs, connects learned per packet,"),
        watching);
    assertDropsAttributed();
  }

  @Test
  void doctorWithoutCapNetAdminSaysWhatRegisteringFromJavaCosts() throws Exception {
    List<String> launcher = new ArrayList<>(List.of("sh", "-c", INTO_CGROUP, childCgroup().toString()));
    launcher.addAll(List.of(BPF_AND_PERFMON_ONLY));
    try (ForkedJvm doctor =
        ForkedJvm.builder()
            .withoutAgent()
            .launcher(launcher.toArray(new String[0]))
            .executableJar(ForkedJvm.defaultAgentJar(), "doctor")
            .start()) {
      assertEquals(0, doctor.waitFor(TIMEOUT), doctor.describe());
      assertTrue(
          doctor.stdout().contains(
              "warn  socket registration   sockets registered from Java: no CAP_NET_ADMIN, without"
                  + " which the kernel refuses cgroup programs, connects learned per packet; each"
                  + " socket open, bind and accept costs its thread 2 to 5 system calls more and a"
                  + " bound port is registered right after bind() returns, and connects are learned"
                  + " by a program that runs for every packet the host sends"),
          doctor.describe());
      assertEquals("netdrop can run here", doctor.stdout().get(doctor.stdout().size() - 1));
    }
  }

  /** Starts the app in {@code cgroup}, optionally through more launcher words; its start-up line. */
  private String start(Path cgroup, String agentArgs, String... then) {
    List<String> launcher = new ArrayList<>(List.of("sh", "-c", INTO_CGROUP, cgroup.toString()));
    launcher.addAll(List.of(then));
    ForkedJvm.Builder b =
        ForkedJvm.builder().launcher(launcher.toArray(new String[0])).mainClass(APP);
    if (agentArgs != null) {
      b.agentArgs(agentArgs);
    }
    app = b.start();
    app.awaitLine("ready"::equals, TIMEOUT);
    return app.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
  }

  /** A UDP socket overflowed, an accepted connection that never reads, a refused connect. */
  private void assertDropsAttributed() throws Exception {
    app.writeLine("udp-open");
    int udpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("udp-port "), TIMEOUT).substring(9));
    try (DatagramChannel sender = DatagramChannel.open()) {
      ByteBuffer payload = ByteBuffer.allocate(1000);
      for (int i = 0; i < 200; i++) {
        sender.send(payload.clear(), new InetSocketAddress(LOOPBACK, udpPort));
      }
    }
    app.writeLine("udp-drops " + udpPort);
    long udpDrops = Long.parseLong(app.awaitLine(l -> l.startsWith("udp-drops "), TIMEOUT).substring(10));
    assertTrue(udpDrops > 100, "the kernel dropped only " + udpDrops + app.describe());
    String to = "> 127.0.0.1:" + udpPort + " ";
    awaitCount(l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains(to), udpDrops);
    assertTrue(
        firstLine(l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains(to))
            .contains(" conn=udp 127.0.0.1:" + udpPort + " by " + APP + " [main]"),
        app.describe());

    app.writeLine("listen");
    int listenPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("listen-port "), TIMEOUT).substring(12));
    try (SocketChannel toApp = SocketChannel.open(new InetSocketAddress(LOOPBACK, listenPort))) {
      app.awaitLine(l -> l.startsWith("accepted "), TIMEOUT);
      toApp.configureBlocking(false);
      ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
      Predicate<String> tcp = l -> l.contains(" drop TCP_") && l.contains("> 127.0.0.1:" + listenPort + " ");
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (firstLine(tcp) == null && System.nanoTime() < deadline) {
        toApp.write(chunk.clear());
        Thread.sleep(50);
      }
      String line = firstLine(tcp);
      if (line == null) {
        fail("no TCP_* drop reported for the app's non-reading receiver" + app.describe());
      }
      assertTrue(line.contains(" conn=server 127.0.0.1:" + listenPort + "->127.0.0.1:"), line);
    }

    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      closed = s.getLocalPort();
    }
    app.writeLine("connect " + closed);
    app.awaitLine(l -> l.startsWith("connect-"), TIMEOUT);
    String refused =
        app.awaitLine(l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "), TIMEOUT);
    assertTrue(refused.contains("(tuple)"), refused);
    assertTrue(refused.contains(" conn=client "), refused);
    assertTrue(refused.contains("->127.0.0.1:" + closed + " by " + APP + " [main]"), refused);
  }

  /** The host's root cgroup: the cgroup v2 mount whose root is the hierarchy's. */
  private static Path rootCgroup() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (line.contains(" - cgroup2 ") && f[3].equals("/")) {
        Path root = Path.of(f[4]);
        assertTrue(CgroupV2.isHierarchyRoot(root), root + " has a cgroup.events file");
        return root;
      }
    }
    return fail("no cgroup v2 hierarchy mounted here");
  }

  private Path childCgroup() throws IOException {
    Path dir = rootCgroup().resolve("netdrop-it-" + ProcessHandle.current().pid() + "-" + made.size());
    Files.createDirectories(dir);
    made.add(dir);
    assertTrue(!CgroupV2.isHierarchyRoot(dir), dir + " looks like a root cgroup");
    return dir;
  }

  private String firstLine(Predicate<String> p) {
    return app.stderr().stream().filter(p).findFirst().orElse(null);
  }

  private void awaitCount(Predicate<String> p, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    long seen;
    while ((seen = app.stderr().stream().filter(p).mapToLong(DropLineCounts::dropsIn).sum()) < expected) {
      if (System.nanoTime() > deadline) {
        fail("expected " + expected + " drops in matching lines, saw " + seen + app.describe());
      }
      Thread.sleep(20);
    }
  }
}
