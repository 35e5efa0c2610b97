package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.BpfObject;
import io.netdrop.bpf.BpfProgram;
import io.netdrop.bpf.btf.Btf;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.sockets.internal.SocketCalls;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batched release by {@code nd_release} on the real object's maps: needs root and a kernel that
 * loads a sleepable BPF_PROG_TYPE_SYSCALL program with a bpf_loop callback (5.17+).
 */
class KernelReleaseIT {
  private static final long NETNS = ProcSockets.netnsInode();
  private static final int TCP = ProcSockets.IPPROTO_TCP;
  private static final byte[] LO = {127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  private BpfObject object;
  private SocketMaps maps;
  private KernelRelease release;
  private BpfProgram program;

  @BeforeEach
  void load() throws Exception {
    byte[] elf;
    try (InputStream in = KernelReleaseIT.class.getResourceAsStream("/bpf/netdrop.bpf.o")) {
      elf = in.readAllBytes();
    }
    object = BpfObject.open(elf, Btf.loadVmlinux(), Map.of());
    maps =
        new SocketMaps(
            object.map("sockets"), object.map("ports"), object.map("tuples"), object.map("port_hint"));
    program = object.loadProgram("nd_release");
    release = KernelRelease.map(object.map("releasing"), program);
    maps.useKernelRelease(release);
    assertEquals(1, release.runs(), "the proof at set-up is one run");
  }

  @AfterEach
  void close() {
    object.close();
  }

  private long owner(String map, byte[] key) {
    byte[] v = new byte[8];
    return object.map(map).lookup(key, v) ? ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong() : -1;
  }

  private static SocketEntry connection(int localPort, long inode) {
    return Endpoints.of(2, LO, localPort, LO, 8080).toEntry(inode, TCP);
  }

  @Test
  void removesOwnedTuplesAndPortsInOneRunAndLeavesWhatANewerSocketTook() {
    SocketEntry closed = connection(40_001, 11);
    SocketEntry reused = connection(40_002, 12);
    maps.addTuple(NETNS, closed);
    maps.addTuple(NETNS, connection(40_002, 99)); // a newer socket has the same four-tuple now
    maps.addPort(NETNS, TCP, 40_003, 13);
    maps.addPort(NETNS, TCP, 40_004, 98); // a restarted listener's

    SocketMaps.Releases batch = new SocketMaps.Releases();
    batch.tuple(NETNS, closed);
    batch.tuple(NETNS, reused);
    batch.port(NETNS, TCP, 40_003, 13);
    batch.port(NETNS, TCP, 40_004, 14);
    batch.tuple(NETNS, connection(40_005, 15)); // already gone (the LRU map evicted it)
    assertEquals(2, maps.releaseOwned(batch));

    assertEquals(2, release.runs(), "one system call for the whole batch");
    assertEquals(-1, owner("tuples", SocketMaps.tupleKey(NETNS, closed)));
    assertEquals(99, owner("tuples", SocketMaps.tupleKey(NETNS, reused)));
    assertEquals(-1, owner("ports", SocketMaps.portKey(NETNS, TCP, 40_003)));
    assertEquals(98, owner("ports", SocketMaps.portKey(NETNS, TCP, 40_004)));
  }

  @Test
  void releasesABatchLargerThanTheArrayInSeveralRuns() {
    int n = KernelRelease.SLOTS * 2 + 100;
    SocketMaps.Releases batch = new SocketMaps.Releases();
    for (int i = 0; i < n; i++) {
      SocketEntry e = Endpoints.of(2, LO, 10_000 + i % 50_000, LO, 1 + i / 50_000).toEntry(1_000 + i, TCP);
      maps.addTuple(NETNS, e);
      batch.tuple(NETNS, e);
    }
    assertEquals(n, object.map("tuples").count());

    assertEquals(n, maps.releaseOwned(batch));
    assertEquals(1 + 3, release.runs(), "two full arrays and the rest");
    assertEquals(0, object.map("tuples").count());
  }

  @Test
  void theForcedPerEntryPathReleasesTheSameWithoutRunningTheProgram() {
    maps.batchInKernel(false);
    assertFalse(maps.releasesInKernel());
    SocketEntry closed = connection(40_001, 11);
    SocketEntry reused = connection(40_002, 12);
    maps.addTuple(NETNS, closed);
    maps.addTuple(NETNS, connection(40_002, 99));
    maps.addPort(NETNS, TCP, 40_003, 13);
    SocketMaps.Releases batch = new SocketMaps.Releases();
    batch.tuple(NETNS, closed);
    batch.tuple(NETNS, reused);
    batch.port(NETNS, TCP, 40_003, 13);

    assertEquals(2, maps.releaseOwned(batch));
    assertEquals(1, release.runs(), "only the set-up proof ran");
    assertEquals(-1, owner("tuples", SocketMaps.tupleKey(NETNS, closed)));
    assertEquals(99, owner("tuples", SocketMaps.tupleKey(NETNS, reused)));
    assertEquals(-1, owner("ports", SocketMaps.portKey(NETNS, TCP, 40_003)));
  }

  @Test
  void aRunTheKernelRefusesReleasesTheBatchEntryByEntryAndSwitchesToThatPath() {
    SocketEntry closed = connection(40_001, 11);
    maps.addTuple(NETNS, closed);
    SocketMaps.Releases batch = new SocketMaps.Releases();
    batch.tuple(NETNS, closed);
    program.close(); // every further run fails

    BpfException e = assertThrows(BpfException.class, () -> maps.releaseOwned(batch));
    assertTrue(e.getMessage().startsWith("nd_release failed, closed connections are now released one"
        + " system call each: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("(1 released so)"), e.getMessage());
    assertEquals(-1, owner("tuples", SocketMaps.tupleKey(NETNS, closed)));
    assertFalse(maps.releasesInKernel());

    SocketEntry next = connection(40_002, 12);
    maps.addTuple(NETNS, next);
    batch.clear();
    batch.tuple(NETNS, next);
    assertEquals(1, maps.releaseOwned(batch), "the per-entry path from now on, without an error");
  }

  @Test
  void closedConnectionsTupleLeavesWithTheTickAfterItsGraceInOneRun() throws Exception {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    ConnectionRegistry registry = ConnectionRegistry.create(64);
    RegistrySocketEvents events =
        RegistrySocketEvents.builder(registry).captureCreator(false).graceMillis(1000).clock(now::get).build();
    events.attach(maps, NETNS);
    long inode;
    byte[] key;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      inode = SocketCalls.inode(fd);
      events.opened(fd, SocketEvents.TCP, null);
      events.bound(fd, null);
      key = SocketMaps.tupleKey(NETNS, registry.find(inode).endpoints().toEntry(inode, TCP));
      events.closing(fd, null);
    }
    events.expireClosed();
    assertEquals(inode, owner("tuples", key), "in its grace period");
    assertEquals(1, release.runs(), "nothing to release: no run");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1000));
    events.expireClosed();
    assertEquals(-1, owner("tuples", key));
    assertEquals(2, release.runs());
    assertEquals(0, events.failures(), events.lastFailure());
  }

  @Test
  void refusesToReleaseForMapsThatAreNotTheProgramsOwn() {
    BpfMap sockets = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 4, 16, 0);
    BpfMap ports = BpfMap.create("ports", BpfConstants.MAP_TYPE_HASH, 8, 8, 16, 0);
    BpfMap tuples = BpfMap.create("tuples", BpfConstants.MAP_TYPE_LRU_HASH, 44, 8, 16, 0);
    BpfMap hint = BpfMap.create("port_hint", BpfConstants.MAP_TYPE_ARRAY, 4, 8, 1024, 0);
    try {
      SocketMaps other = new SocketMaps(sockets, ports, tuples, hint);
      BpfException e = assertThrows(BpfException.class, () -> other.useKernelRelease(release));
      assertTrue(e.getMessage().contains("nd_release did not release as asked"), e.getMessage());
      assertFalse(other.releasesInKernel());
      assertEquals(0, tuples.count(), "the proof's entries are cleaned up");
    } finally {
      sockets.close();
      ports.close();
      tuples.close();
      hint.close();
    }
  }
}
