package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.sockets.internal.LongSet;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The /proc scanner on this process's real descriptors and real BPF maps shaped like the program's:
 * what it reads and allocates per scan. Needs root (CAP_BPF).
 */
class SocketScannerIT {
  private static final long NETNS = ProcSockets.netnsInode();

  @TempDir Path dir;

  private final BpfMap sockets = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 4, 4096, 0);
  private final BpfMap ports = BpfMap.create("ports", BpfConstants.MAP_TYPE_HASH, 8, 8, 1024, 0);
  private final BpfMap tuples = BpfMap.create("tuples", BpfConstants.MAP_TYPE_LRU_HASH, 44, 8, 1024, 0);
  private final BpfMap portHint = BpfMap.create("port_hint", BpfConstants.MAP_TYPE_ARRAY, 4, 8, 1024, 0);
  private final SocketMaps maps = new SocketMaps(sockets, ports, tuples, portHint);
  private final AtomicInteger tableReads = new AtomicInteger();
  private final SocketScanner.Proc proc = countingTableReads(SocketScanner.Proc.of(line -> {}));

  @AfterEach
  void closeMaps() {
    sockets.close();
    ports.close();
    tuples.close();
    portHint.close();
  }

  private SocketScanner.Proc countingTableReads(SocketScanner.Proc real) {
    return new SocketScanner.Proc() {
      @Override
      public void openSocketInodes(LongSet into) {
        real.openSocketInodes(into);
      }

      @Override
      public List<SocketEntry> inetSockets(LongPredicate wanted) {
        tableReads.incrementAndGet();
        return real.inetSockets(wanted);
      }

      @Override
      public boolean mayBeInet(long inode) {
        return real.mayBeInet(inode);
      }
    };
  }

  private SocketScanner scanner() {
    return new SocketScanner(maps, NETNS, 10, line -> {}, System::nanoTime, proc);
  }

  @Test
  void neverReadsTheSocketTablesForUnixSocketsAndOnceForANewTcpOne() throws Exception {
    SocketScanner scanner = scanner();
    Path path = dir.resolve("s");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      scanner.scan(); // the first periodic scan sees every socket of this JVM once
      scanner.scan(); // the second registers them, after at most one read of the tables
      int afterStart = tableReads.get();
      assertTrue(afterStart <= 1, "one read at most for what this JVM had open: " + afterStart);
      for (int i = 0; i < 5; i++) {
        scanner.scan();
      }
      assertEquals(afterStart, tableReads.get(), "the Unix listener is not looked up again");

      Set<Long> before = ProcSockets.openSocketInodes();
      try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
          SocketChannel accepted = server.accept()) {
        Set<Long> added = new HashSet<>(ProcSockets.openSocketInodes());
        added.removeAll(before);
        assertEquals(2, added.size(), added.toString());
        for (int i = 0; i < 5; i++) {
          scanner.scan();
        }
        assertEquals(afterStart, tableReads.get(), "new Unix sockets: the tables cannot list them");
        for (long inode : added) {
          assertTrue(scanner.tracks(inode), "registered (with nothing): " + inode);
          assertTrue(maps.hasSocket(inode));
        }
      }

      try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        for (int i = 0; i < 5; i++) {
          scanner.scan();
        }
        assertEquals(afterStart + 1, tableReads.get(), "a new TCP listener: one read, on its second sighting");
        byte[] owner = new byte[8];
        assertTrue(
            ports.lookup(SocketMaps.portKey(NETNS, ProcSockets.IPPROTO_TCP, listener.getLocalPort()), owner),
            "its port registered from the tables");
      }
    } finally {
      scanner.close();
    }
  }

  @Test
  void aScanWithNothingNewAllocatesNothing() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    SocketScanner scanner = scanner();
    Path path = dir.resolve("s");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      for (int i = 0; i < 300; i++) {
        scanner.scan();
      }
      int scans = 200;
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < scans; i++) {
        scanner.scan();
      }
      long perScan = (threads.getCurrentThreadAllocatedBytes() - before) / scans;
      assertTrue(perScan < 64, "bytes per scan (an iterator at most): " + perScan);
    } finally {
      scanner.close();
    }
  }
}
