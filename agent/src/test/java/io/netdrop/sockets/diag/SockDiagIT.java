package io.netdrop.sockets.diag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Against the running kernel: needs sock_diag with {@code INET_DIAG_SKMEMINFO} and {@code
 * SK_MEMINFO_DROPS} (Linux 4.x+), loopback with IPv6, and {@code ss} from iproute2 for the
 * cross-check.
 */
class SockDiagIT {
  private static final byte[] V4_LOOPBACK = {127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  private static final byte[] V4_MAPPED_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 127, 0, 0, 1};
  private static final byte[] V6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  private static final Pattern SS_DROPS = Pattern.compile("skmem:\\([^)]*\\bd(\\d+)\\)");
  private static final int CLIENTS = 12;

  private static ListenerStats find(SockDiag diag, long inode) {
    List<ListenerStats> matches = diag.listeners().stream().filter(l -> l.inode() == inode).toList();
    assertEquals(1, matches.size(), "sock_diag lists inode " + inode + " once: " + matches);
    return matches.get(0);
  }

  private static long waitForDrops(SockDiag diag, long inode) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      long drops = find(diag, inode).drops();
      if (drops > 0) {
        return drops;
      }
      Thread.sleep(10);
    }
    return fail("no drops counted on listener " + inode + " within 10 s");
  }

  /** The listener's drops once two reads 100 ms apart agree (stray ACKs/FINs may still arrive). */
  private static long settledDrops(SockDiag diag, long inode) throws InterruptedException {
    long previous = find(diag, inode).drops();
    for (int i = 0; i < 50; i++) {
      Thread.sleep(100);
      long now = find(diag, inode).drops();
      if (now == previous) {
        return now;
      }
      previous = now;
    }
    return fail("drop counter of listener " + inode + " kept changing");
  }

  private static long ssDrops(int port) throws IOException, InterruptedException {
    Process ss = new ProcessBuilder("ss", "-tlnmH", "sport = :" + port).redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, ss.waitFor(), "ss failed: " + out);
    Matcher m = SS_DROPS.matcher(out);
    assertTrue(m.find(), "no d<N> in the skmem of: " + out);
    long drops = Long.parseLong(m.group(1));
    assertTrue(!m.find(), "one listener on port " + port + ": " + out);
    return drops;
  }

  @Test
  void overflowingIpv4ListenerIsFoundByInodeWithTheDropsSsShows() throws Exception {
    try (SockDiag diag = SockDiag.open();
        Overflowing listener = Overflowing.ipv4()) {
      ListenerStats before = find(diag, listener.inode);
      assertEquals(2, before.family());
      assertArrayEquals(V4_LOOPBACK, before.localAddress());
      assertEquals(listener.port(), before.localPort());
      assertEquals(0, before.drops());
      assertEquals(0, before.acceptQueue());
      assertEquals(1, before.backlog(), "listen(fd, 1)");

      listener.connect(CLIENTS);
      waitForDrops(diag, listener.inode);
      listener.stopClients();
      long drops = settledDrops(diag, listener.inode);

      assertTrue(drops >= CLIENTS - 2, "each SYN beyond the 2 queued was refused at least once: " + drops);
      assertEquals(ssDrops(listener.port()), drops, "sk_drops as ss -tlnm shows it");
      ListenerStats after = find(diag, listener.inode);
      assertEquals(drops, after.drops());
      assertEquals(2, after.acceptQueue(), "the queue holds backlog + 1 before it refuses");
    }
  }

  @Test
  void ipv6ListenerIsReportedWithItsAddressAndDrops() throws Exception {
    try (SockDiag diag = SockDiag.open();
        Overflowing listener = Overflowing.jdk(InetAddress.getByName("::1"))) {
      listener.connect(CLIENTS);
      waitForDrops(diag, listener.inode);
      listener.stopClients();
      long drops = settledDrops(diag, listener.inode);
      ListenerStats l = find(diag, listener.inode);
      assertEquals(10, l.family());
      assertArrayEquals(V6_LOOPBACK, l.localAddress());
      assertEquals(listener.port(), l.localPort());
      assertEquals(ssDrops(listener.port()), drops);
    }
  }

  @Test
  void watcherReportsTheIncreaseOnceAndNothingForAListenerNotOurs() throws Exception {
    List<Overflow> reported = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    try (Overflowing ours = Overflowing.jdk(InetAddress.getByName("127.0.0.1"));
        Overflowing theirs = Overflowing.ipv4();
        SockDiag check = SockDiag.open();
        ListenOverflowWatcher watcher = new ListenOverflowWatcher(
            SockDiag.open(), inode -> inode == ours.inode, reported::add, 1000, false, errors::add)) {
      watcher.pollNow(); // baseline
      ours.connect(CLIENTS);
      theirs.connect(CLIENTS);
      waitForDrops(check, ours.inode);
      waitForDrops(check, theirs.inode);
      ours.stopClients();
      theirs.stopClients();
      long drops = settledDrops(check, ours.inode);
      settledDrops(check, theirs.inode);

      watcher.pollNow();
      watcher.pollNow();

      assertEquals(1, reported.size(), "one report: " + reported);
      Overflow o = reported.get(0);
      assertEquals(ours.inode, o.inode());
      assertEquals(10, o.family(), "the JDK listens on 127.0.0.1 with a dual-stack socket");
      assertArrayEquals(V4_MAPPED_LOOPBACK, o.localAddress());
      assertEquals(ours.port(), o.localPort());
      assertEquals(drops, o.newDrops(), "every drop since the baseline (which was 0)");
      assertEquals(drops, o.totalDrops());
      assertEquals(ssDrops(ours.port()), o.totalDrops());
      assertEquals(List.of(), errors);
    }
  }

  @Test
  void watcherThreadReportsExistingDropsAndStopsOnClose() throws Exception {
    BlockingQueue<Overflow> reported = new LinkedBlockingQueue<>();
    try (SockDiag check = SockDiag.open();
        Overflowing ours = Overflowing.jdk(InetAddress.getByName("127.0.0.1"))) {
      ours.connect(CLIENTS);
      waitForDrops(check, ours.inode);
      ours.stopClients();
      long drops = settledDrops(check, ours.inode);

      ListenOverflowWatcher watcher = new ListenOverflowWatcher(
          SockDiag.open(), inode -> inode == ours.inode, reported::add, 20, true, e -> fail(e));
      watcher.start();
      Overflow o = reported.poll(5, TimeUnit.SECONDS);
      watcher.close();
      assertTrue(o != null, "the polling thread reported the listener's drops");
      assertEquals(drops, o.newDrops());
      assertEquals(List.of(), List.copyOf(reported), "reported once");
    }
  }

  @Test
  void closedSockDiagRefusesQueries() {
    SockDiag diag = SockDiag.open();
    diag.close();
    diag.close();
    assertTrue(assertThrows(SockDiagException.class, diag::listeners).getMessage().contains("closed"));
  }
}
