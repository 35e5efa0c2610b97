package io.netdrop.sockets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.sockets.ProcSockets;
import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketFdsTest {
  @TempDir Path dir;

  private final List<Closeable> opened = new ArrayList<>();
  private int names;

  @Test
  void findsTheSameSocketsAsTheJavaNioListingAmongSocketsPipesAndFiles() throws Exception {
    try {
      Set<Long> ours = openMixedDescriptors(1);
      SocketFds fds = SocketFds.create();
      LongSet found = new LongSet();
      fds.collect(found);
      Set<Long> expected = ProcSockets.openSocketInodes();
      assertEquals(expected, toSet(found));
      assertTrue(expected.containsAll(ours), "each socket opened here: " + ours + " in " + expected);
      assertTrue(ours.size() >= 7, "TCP listener, client, accepted, UDP, Unix listener, client, accepted");
    } finally {
      closeAll();
    }
  }

  @Test
  void skipsSocketsClosingDuringTheScan() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread churn =
        new Thread(
            () -> {
              while (!stop.get()) {
                try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                  s.getLocalPort();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }
            });
    churn.start();
    SocketFds fds = SocketFds.create();
    LongSet found = new LongSet();
    try {
      for (int i = 0; i < 300; i++) {
        found.clear();
        fds.collect(found);
      }
    } finally {
      stop.set(true);
      churn.join();
    }
  }

  @Test
  void tellsEachSocketsAddressFamilyThroughItsDescriptor() throws Exception {
    try (ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET);
        ServerSocketChannel unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      tcp.bind(null);
      unix.bind(UnixDomainSocketAddress.of(dir.resolve("family")));
      Set<Long> before = ProcSockets.openSocketInodes();
      SocketFds fds = SocketFds.create();
      LongSet found = new LongSet();
      fds.collect(found);
      Set<Long> families = new HashSet<>();
      for (long inode : before) {
        families.add((long) fds.family(inode));
      }
      assertTrue(families.contains(1L) && families.contains(2L), "AF_UNIX and AF_INET among " + families);
      assertEquals(-1, fds.family(Long.MAX_VALUE), "not found by the last scan");
    }
  }

  @Test
  void aScanAllocatesNothingWithAHundredOrTwoThousandDescriptors() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    SocketFds fds = SocketFds.create();
    LongSet found = new LongSet();
    for (int copies : new int[] {10, 200}) { // about 100 and 2,000 descriptors
      try {
        openMixedDescriptors(copies);
        for (int i = 0; i < 300; i++) { // warm up: the set grows, the code is compiled
          found.clear();
          fds.collect(found);
        }
        int scans = 200;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < scans; i++) {
          found.clear();
          fds.collect(found);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < scans; i++) {
          found.clear();
          fds.collect(found);
        }
        long micros = (System.nanoTime() - t0) / scans / 1000;
        long perScan = (threads.getCurrentThreadAllocatedBytes() - before) / (2 * scans);
        // For comparison (printed, not asserted): the java.nio listing this replaces in the scanner.
        for (int i = 0; i < 100; i++) {
          ProcSockets.openSocketInodes();
        }
        long nioBefore = threads.getCurrentThreadAllocatedBytes();
        long t1 = System.nanoTime();
        for (int i = 0; i < scans; i++) {
          ProcSockets.openSocketInodes();
        }
        long nioMicros = (System.nanoTime() - t1) / scans / 1000;
        long nioPerScan = (threads.getCurrentThreadAllocatedBytes() - nioBefore) / scans;
        System.out.println(
            "SocketFds: " + countFds() + " descriptors, " + found.size() + " sockets: " + perScan
                + " B and " + micros + " µs per scan; java.nio listing: " + nioPerScan + " B and "
                + nioMicros + " µs");
        assertEquals(0, perScan, "bytes allocated per scan");
      } finally {
        closeAll();
      }
    }
  }

  private static long countFds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  /** {@code copies} times: TCP listener + client + accepted, UDP, Unix listener + client + accepted, a pipe, a file. */
  private Set<Long> openMixedDescriptors(int copies) throws IOException {
    Set<Long> before = ProcSockets.openSocketInodes();
    for (int i = 0; i < copies; i++) {
      ServerSocket server = keep(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      keep(new Socket(server.getInetAddress(), server.getLocalPort()));
      keep(server.accept());
      keep(new DatagramSocket(0, InetAddress.getLoopbackAddress()));
      Path socketPath = dir.resolve("unix-" + names++);
      ServerSocketChannel unixServer = keep(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
      unixServer.bind(UnixDomainSocketAddress.of(socketPath));
      keep(SocketChannel.open(UnixDomainSocketAddress.of(socketPath)));
      keep(unixServer.accept());
      Pipe pipe = Pipe.open();
      keep(pipe.source());
      keep(pipe.sink());
      keep(FileChannel.open(dir.resolve("file-" + names++), StandardOpenOption.CREATE, StandardOpenOption.WRITE));
    }
    Set<Long> ours = new HashSet<>(ProcSockets.openSocketInodes());
    ours.removeAll(before);
    return ours;
  }

  private <T extends Closeable> T keep(T c) {
    opened.add(c);
    return c;
  }

  private void closeAll() throws IOException {
    for (Closeable c : opened) {
      c.close();
    }
    opened.clear();
  }

  private static Set<Long> toSet(LongSet set) {
    Set<Long> out = new HashSet<>();
    for (int i = 0; i < set.slots(); i++) {
      if (set.occupied(i)) {
        out.add(set.at(i));
      }
    }
    return out;
  }
}
