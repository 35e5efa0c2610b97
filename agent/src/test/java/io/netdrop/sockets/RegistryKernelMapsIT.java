package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.sockets.internal.SocketCalls;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's kernel side on real BPF maps shaped like the program's (sockets HASH 8/4, ports
 * HASH 8/8, tuples LRU_HASH 44/8, port_hint ARRAY 4/8): needs root (CAP_BPF).
 */
class RegistryKernelMapsIT {
  private static final long NETNS = ProcSockets.netnsInode();
  private static final int TCP = ProcSockets.IPPROTO_TCP;

  private final BpfMap sockets = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 4, 1024, 0);
  private final BpfMap ports = BpfMap.create("ports", BpfConstants.MAP_TYPE_HASH, 8, 8, 1024, 0);
  private final BpfMap tuples = BpfMap.create("tuples", BpfConstants.MAP_TYPE_LRU_HASH, 44, 8, 1024, 0);
  private final BpfMap portHint = BpfMap.create("port_hint", BpfConstants.MAP_TYPE_ARRAY, 4, 8, 1024, 0);
  private final SocketMaps maps = new SocketMaps(sockets, ports, tuples, portHint);
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final ConnectionRegistry registry = ConnectionRegistry.create(64);
  private final RegistrySocketEvents events =
      RegistrySocketEvents.builder(registry).captureCreator(false).graceMillis(1000).clock(now::get).build();

  @AfterEach
  void closeMaps() {
    sockets.close();
    ports.close();
    tuples.close();
    portHint.close();
  }

  private static long value(BpfMap map, byte[] key) {
    byte[] v = new byte[8];
    return map.lookup(key, v) ? ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong() : -1;
  }

  private long portOwner(int port) {
    return value(ports, SocketMaps.portKey(NETNS, TCP, port));
  }

  private long tupleOwner(Endpoints e, long inode) {
    return value(tuples, SocketMaps.tupleKey(NETNS, e.toEntry(inode, TCP)));
  }

  private void advance(long millis) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void openedSocketIsInTheKernelMapWhenTheEventReturns() throws Exception {
    events.attach(maps, NETNS);
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int fd = ProcFds.fd(TCP, server.getLocalPort(), 0);
      long inode = SocketCalls.inode(fd);
      assertFalse(maps.hasSocket(inode));
      events.opened(fd, SocketEvents.TCP, null);
      assertTrue(maps.hasSocket(inode), "registered synchronously by opened()");
      events.bound(fd, null);
      assertEquals(inode, portOwner(server.getLocalPort()), "listener port -> its inode");
    }
    assertEquals(0, events.failures(), events.lastFailure());
  }

  @Test
  void socketsSeenBeforeTheProgramLoadedAreWrittenOnAttach() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      long inode = SocketCalls.inode(fd);
      events.opened(fd, SocketEvents.TCP, null); // premain: no BPF yet
      events.bound(fd, null);
      assertFalse(maps.hasSocket(inode));

      events.attach(maps, NETNS);
      assertTrue(maps.hasSocket(inode));
      assertEquals(inode, tupleOwner(registry.find(inode).endpoints(), inode));
    }
  }

  @Test
  void closedConnectionKeepsItsTupleForTheGracePeriodOnlyAndItsInodeNotAtAll() throws Exception {
    events.attach(maps, NETNS);
    long clientInode;
    Endpoints ends;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      clientInode = SocketCalls.inode(fd);
      events.opened(fd, SocketEvents.TCP, null);
      events.bound(fd, null);
      ends = registry.find(clientInode).endpoints();
      assertEquals(clientInode, tupleOwner(ends, clientInode));
      events.closing(fd, null);
    }
    advance(999);
    events.expireClosed();
    assertEquals(clientInode, tupleOwner(ends, clientInode), "late packets still match in the grace period");
    assertFalse(
        maps.hasSocket(clientInode),
        "the inode leaves at once: a closed socket has no file the kernel could match it by");
    advance(1);
    events.expireClosed();
    assertEquals(-1, tupleOwner(ends, clientInode));
    assertFalse(maps.hasSocket(clientInode));
  }

  @Test
  void beyondTheClosedCapacityTheOldestClosedTupleLeavesBeforeItsGraceAndOpenOnesStay() throws Exception {
    ConnectionRegistry small = ConnectionRegistry.create(64, 1);
    RegistrySocketEvents churn =
        RegistrySocketEvents.builder(small).captureCreator(false).graceMillis(1000).clock(now::get).build();
    churn.attach(maps, NETNS);
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket kept = new Socket();
        Socket first = new Socket();
        Socket second = new Socket()) {
      long[] inodes = new long[3];
      Endpoints[] ends = new Endpoints[3];
      int[] fds = new int[3];
      Socket[] all = {kept, first, second};
      for (int i = 0; i < 3; i++) {
        all[i].connect(server.getLocalSocketAddress());
        fds[i] = ProcFds.fd(TCP, all[i].getLocalPort(), server.getLocalPort());
        inodes[i] = SocketCalls.inode(fds[i]);
        churn.opened(fds[i], SocketEvents.TCP, null);
        churn.bound(fds[i], null);
        ends[i] = small.find(inodes[i]).endpoints();
      }
      churn.closing(fds[1], null);
      churn.releasePending();
      assertEquals(inodes[1], tupleOwner(ends[1], inodes[1]), "one closed record fits");
      churn.closing(fds[2], null);
      churn.releasePending();
      assertEquals(-1, tupleOwner(ends[1], inodes[1]), "displaced by a newer close, within its grace");
      assertEquals(inodes[2], tupleOwner(ends[2], inodes[2]));
      assertEquals(inodes[0], tupleOwner(ends[0], inodes[0]), "an open connection is never displaced");
      assertEquals(1, small.closedCount());
      assertEquals(2, small.size());
    }
    assertEquals(0, churn.failures(), churn.lastFailure());
  }

  @Test
  void tupleReleaseLeavesATupleANewerSocketHasTakenAndRemovesItsOwn() {
    byte[] lo = new byte[16];
    lo[0] = 127;
    lo[3] = 1;
    Endpoints ends = Endpoints.of(2, lo, 40_001, lo, 40_002);
    long first = 1001;
    long second = 1002;
    maps.addTuple(NETNS, ends.toEntry(first, TCP));
    maps.addTuple(NETNS, ends.toEntry(second, TCP)); // the same four-tuple, reused within the grace

    assertFalse(maps.removeTupleIfOwned(NETNS, ends.toEntry(first, TCP)));
    assertEquals(second, tupleOwner(ends, second), "the newer socket keeps its tuple");

    assertTrue(maps.removeTupleIfOwned(NETNS, ends.toEntry(second, TCP)));
    assertEquals(-1, tupleOwner(ends, second));
    assertFalse(maps.removeTupleIfOwned(NETNS, ends.toEntry(second, TCP)), "already gone");
  }

  @Test
  void sweepRemovesTuplesOfSocketsNeitherKeptNorRegisteredAndOnlyThose() {
    Endpoints a = Endpoints.of(2, new byte[] {127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 40001, new byte[] {127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 9);
    Endpoints b = Endpoints.of(2, new byte[16], 40002, new byte[16], 9);
    Endpoints c = Endpoints.of(2, new byte[16], 40003, new byte[16], 9);
    maps.addTuple(NETNS, a.toEntry(101, TCP)); // a refused connect's, closed long ago
    maps.addTuple(NETNS, b.toEntry(102, TCP)); // kept: open, or in its grace period
    maps.addTuple(NETNS, c.toEntry(103, TCP)); // a socket the kernel registered that nobody knows yet
    maps.addSocket(103);
    assertEquals(1, maps.sweepTuples(inode -> inode == 102));
    assertEquals(-1, tupleOwner(a, 101));
    assertEquals(102, tupleOwner(b, 102));
    assertEquals(103, tupleOwner(c, 103));
  }

  @Test
  void expiryLeavesAPortThatANewerListenerHasTaken() throws Exception {
    events.attach(maps, NETNS);
    int port;
    try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      port = first.getLocalPort();
      int fd = ProcFds.fd(TCP, port, 0);
      events.opened(fd, SocketEvents.TCP, null);
      events.bound(fd, null);
      events.closing(fd, null);
    }
    try (ServerSocket second = new ServerSocket()) {
      second.setReuseAddress(true);
      second.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      int fd = ProcFds.fd(TCP, port, 0);
      long secondInode = SocketCalls.inode(fd);
      events.opened(fd, SocketEvents.TCP, null);
      events.bound(fd, null);
      advance(1000);
      events.expireClosed(); // the first listener's grace ends
      assertEquals(secondInode, portOwner(port), "the restarted listener keeps its port");
    }
  }

  @Test
  void scannerRegistersAnUnknownSocketOnItsSecondSightingAndAtStartAtOnce() {
    int first = SocketCalls.nativeUdpSocket();
    int later = -1;
    SocketScanner scanner = new SocketScanner(maps, NETNS, 10, line -> {});
    try {
      scanner.start(TimeUnit.HOURS.toMillis(1)); // its first scan runs now; no periodic one here
      assertTrue(maps.hasSocket(SocketCalls.inode(first)), "open before the agent: registered at once");

      later = SocketCalls.nativeUdpSocket();
      long inode = SocketCalls.inode(later);
      scanner.scan();
      assertFalse(maps.hasSocket(inode), "may be between socket() and its hook: not yet");
      assertFalse(scanner.tracks(inode));
      scanner.scan();
      assertTrue(maps.hasSocket(inode), "still unknown one scan later: registered");
      assertTrue(scanner.tracks(inode));
    } finally {
      scanner.close();
      SocketCalls.closeNative(first);
      if (later >= 0) {
        SocketCalls.closeNative(later);
      }
    }
  }

  @Test
  void scannerDefersToTheRegistryForSocketsStillInGrace() throws Exception {
    events.attach(maps, NETNS);
    AtomicLong scanClock = new AtomicLong(0);
    SocketScanner scanner = new SocketScanner(maps, NETNS, 10, line -> {}, scanClock::get);
    scanner.deferTo(registry::holds);
    long inode;
    Endpoints ends;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      inode = SocketCalls.inode(fd);
      events.opened(fd, SocketEvents.TCP, null);
      events.bound(fd, null);
      ends = registry.find(inode).endpoints();
      scanner.scan(); // the registry holds the socket: the scanner leaves it alone
      events.closing(fd, null);
    }
    scanner.scan(); // notices the close
    scanClock.addAndGet(TimeUnit.SECONDS.toNanos(1)); // the scanner's 10 ms grace is long over
    scanner.scan();
    assertEquals(inode, tupleOwner(ends, inode), "registry grace still running: scanner must not remove");
    assertTrue(maps.hasSocket(inode));

    advance(1000);
    events.expireClosed();
    assertEquals(-1, tupleOwner(ends, inode));
    scanner.scan(); // now forgets it too, without error
    assertFalse(maps.hasSocket(inode));
    scanner.close();
  }
}
