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
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drops as JFR events, read back from the recording a real JVM wrote: {@link DropScenarioApp}
 * under {@code -javaagent} with a flight recording, its UDP socket flooded from this JVM. Needs
 * what {@link KernelDropsIT} needs (Linux 5.17+ drop reasons, BTF, CAP_BPF/CAP_PERFMON); nothing
 * is skipped.
 */
class JfrDropsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int PACKETS = 200;
  private static final Pattern SOCKET = Pattern.compile(" socket=(\\d+) ");
  /** The line of a folded burst. */
  private static final Pattern BURST = Pattern.compile(" count=\\d+ over \\d+ms$");
  private static final Pattern HELD_BACK = Pattern.compile(" rate_limited=(\\d+) ringbuf_full=(\\d+) ");

  @TempDir Path dir;

  /** One flooded socket of the app: its port, its inode and the kernel's own count of its drops. */
  private record Flood(int port, long inode, long kernelDrops, Instant from, Instant to) {}

  @Test
  void aRecordingDumpedAtExitHoldsEveryDropNetdropReportedForAFloodedUdpSocket() throws Exception {
    assertDumpAtExitHoldsEveryReportedDrop(ForkedJvm.builder());
  }

  /** The same on Java 25, whose JFR writes events its own way (Temurin at netdrop.it.java25.home: fails, never skips, without it). */
  @Test
  void aRecordingDumpedAtExitHoldsEveryDropNetdropReportedOnJava25() throws Exception {
    Path java25 = Paths.get(System.getProperty("netdrop.it.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    assertTrue(Files.isExecutable(java25.resolve("bin/java")), "no Java 25 at " + java25);
    assertDumpAtExitHoldsEveryReportedDrop(ForkedJvm.builder().javaHome(java25));
  }

  private void assertDumpAtExitHoldsEveryReportedDrop(ForkedJvm.Builder builder) throws Exception {
    Path jfr = dir.resolve("exit.jfr");
    try (ForkedJvm app =
        builder
            .jvmArg("-XX:StartFlightRecording=filename=" + jfr + ",settings=default,dumponexit=true")
            .mainClass(DropScenarioApp.class.getName())
            .start()) {
      app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      Flood flood = flood(app);
      // At once: the burst after the first drop is still folding, and netdrop reports it only in
      // its shutdown hook, beside the one in which JFR dumps the recording.
      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());

      List<RecordedEvent> events = dropEvents(jfr, flood.inode());
      long jfrDrops = sum(events);
      long reported = reportedDrops(app, flood.inode());
      assertEquals(reported, jfrDrops, "JFR events " + events + app.describe());
      assertEquals(linesOf(app, flood.inode()).size(), events.size(), app.describe());
      // Every event the kernel delivered: the socket's drops less those the rate limit or a full
      // ring buffer held back (counted, never reported), and so never more than the socket's own.
      Matcher held = HELD_BACK.matcher(app.awaitLine(l -> l.startsWith("netdrop: totals "), TIMEOUT));
      assertTrue(held.find(), app.describe());
      long heldBack = Long.parseLong(held.group(1)) + Long.parseLong(held.group(2));
      assertEquals(flood.kernelDrops() - heldBack, jfrDrops, app.describe());
      assertTrue(jfrDrops <= flood.kernelDrops());

      RecordedEvent first = events.get(0);
      assertEquals("SOCKET_RCVBUFF", first.getString("reason"));
      assertTrue(first.getString("location").startsWith("udp_"), first.getString("location"));
      assertEquals("udp", first.getString("transport"));
      assertEquals("ipv4", first.getString("networkType"));
      assertEquals("127.0.0.1", first.getString("localAddress"));
      assertEquals(flood.port(), first.getInt("localPort"));
      assertEquals("receive", first.getString("direction"));
      assertEquals("udp", first.getString("role"));
      assertEquals(DropScenarioApp.class.getName(), first.getString("creator"));
      assertEquals(1000, first.getInt("length"));
      // Written by netdrop's reader, or by its shutdown hook for what it reads last.
      assertTrue(first.getThread().getJavaName().startsWith("netdrop-"), first.toString());
      // The drop's own time, not the time JFR wrote the event (ms resolution, clocks mapped once).
      for (RecordedEvent e : events) {
        assertTrue(
            !e.getInstant("firstDrop").isBefore(flood.from().minusMillis(5))
                && !e.getInstant("lastDrop").isAfter(flood.to().plusMillis(5)),
            e + " outside the flood " + flood);
      }
    }
  }

  @Test
  void aRecordingStartedWithJcmdAfterEarlierDropsHoldsTheDropsThatFollow() throws Exception {
    Path jfr = dir.resolve("jcmd.jfr");
    try (ForkedJvm app = ForkedJvm.builder().mainClass(DropScenarioApp.class.getName()).start()) {
      app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      // Reported, burst included, before any recording: JFR is not even set up in this JVM yet.
      Flood before = flood(app);
      app.awaitLine(l -> l.contains(" socket=" + before.inode() + " ") && BURST.matcher(l).find(), TIMEOUT);
      jcmd(app.pid(), "JFR.start", "name=netdrop", "settings=default", "dumponexit=true", "filename=" + jfr);
      Flood after = flood(app);
      // The burst's folded report comes up to fold-ms later; at exit it would race JFR's own
      // dump-on-exit hook, so the recording is ended only once it has been reported.
      app.awaitLine(l -> l.contains(" socket=" + after.inode() + " ") && BURST.matcher(l).find(), TIMEOUT);
      app.writeLine("exit");
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());

      assertEquals(List.of(), dropEvents(jfr, before.inode()), "drops before the recording" + app.describe());
      List<RecordedEvent> events = dropEvents(jfr, after.inode());
      assertFalse(events.isEmpty(), app.describe());
      assertEquals(reportedDrops(app, after.inode()), sum(events), app.describe());
      assertTrue(sum(events) <= after.kernelDrops());
    }
  }

  /** Opens a tiny-buffer UDP socket in the app and sends it more than it can hold. */
  private static Flood flood(ForkedJvm app) throws IOException {
    int port = Integer.parseInt(ask(app, "udp-open", "udp-port "));
    Instant from = Instant.now();
    try (DatagramChannel sender = DatagramChannel.open()) {
      ByteBuffer payload = ByteBuffer.allocate(1000);
      for (int i = 0; i < PACKETS; i++) {
        sender.send(payload.clear(), new InetSocketAddress(LOOPBACK, port));
      }
    }
    Instant to = Instant.now();
    long kernelDrops = Long.parseLong(ask(app, "udp-drops " + port, "udp-drops "));
    assertTrue(kernelDrops > PACKETS / 2, "the kernel dropped only " + kernelDrops + app.describe());
    String line =
        app.awaitLine(l -> l.contains(" drop SOCKET_RCVBUFF udp ") && l.contains("> 127.0.0.1:" + port + " "), TIMEOUT);
    Matcher m = SOCKET.matcher(line);
    assertTrue(m.find(), line);
    return new Flood(port, Long.parseLong(m.group(1)), kernelDrops, from, to);
  }

  /** Sends the app a command and returns the rest of its answer, the next line starting with {@code answer}. */
  private static String ask(ForkedJvm app, String command, String answer) {
    long earlier = app.stdout().stream().filter(l -> l.startsWith(answer)).count();
    app.writeLine(command);
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      List<String> answers = app.stdout().stream().filter(l -> l.startsWith(answer)).collect(Collectors.toList());
      if (answers.size() > earlier) {
        return answers.get((int) earlier).substring(answer.length());
      }
      if (System.nanoTime() > deadline) {
        fail("no answer to " + command + app.describe());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted" + app.describe());
      }
    }
  }

  private static List<String> linesOf(ForkedJvm app, long inode) {
    return app.stderr().stream()
        .filter(l -> l.contains(" netdrop: drop ") && l.contains(" socket=" + inode + " "))
        .collect(Collectors.toList());
  }

  /** Drops netdrop reported on the console for the socket: 1 a line, or a burst's count. */
  private static long reportedDrops(ForkedJvm app, long inode) {
    return linesOf(app, inode).stream().mapToLong(DropLineCounts::dropsIn).sum();
  }

  private static List<RecordedEvent> dropEvents(Path jfr, long inode) throws IOException {
    assertTrue(Files.isRegularFile(jfr), "no recording at " + jfr);
    return RecordingFile.readAllEvents(jfr).stream()
        .filter(e -> e.getEventType().getName().equals("io.netdrop.Drop"))
        .filter(e -> e.getLong("socketInode") == inode)
        .sorted((a, b) -> a.getInstant("firstDrop").compareTo(b.getInstant("firstDrop")))
        .collect(Collectors.toList());
  }

  private static long sum(List<RecordedEvent> events) {
    return events.stream().mapToLong(e -> e.getLong("count")).sum();
  }

  private static void jcmd(long pid, String... command) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(Long.toString(pid));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    assertTrue(out.contains("Started recording"), out);
  }
}
