package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProcSocketsTest {

  private static final int LISTEN = 10;
  private static final int ESTABLISHED = 1;
  private static final int UDP_UNCONNECTED = 7;

  private static final byte[] V4_LOOPBACK = {127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  private static final byte[] V4_MAPPED_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 127, 0, 0, 1};
  private static final byte[] V6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  private static final byte[] ZERO = new byte[16];

  // Captured on x86_64 (little-endian): the kernel prints each 32-bit address word in host order.
  private static final String TCP =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
          + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41822 1 000000005a4235fe 100 0 0 10 0                     \n"
          + "   1: 0100007F:A872 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 41823 1 00000000c1d2e3f4 20 4 30 10 -1                    \n"
          + "   2: 0100007F:A874 0100007F:1F90 06 00000000:00000000 03:00001771 00000000     0        0 0 3 0000000012345678\n";
  private static final String TCP6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
          + "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000011111111 100 0 0 10 0\n"
          + "   1: 0000000000000000FFFF00000100007F:A000 0000000000000000FFFF00000100007F:0050 01 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000022222222 20 4 30 10 -1\n"
          + "   2: B80D0120000000000000000001000000:0035 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000033333333 100 0 0 10 0\n";
  private static final String UDP6 =
      "   sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
          + "  100: 00000000000000000000000001000000:D431 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7007 2 0000000044444444 3\n";

  @Test
  void parsesIpv4TcpTable() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "sample text is from x86_64");
    List<SocketEntry> s = ProcSockets.parseProcNet(TCP, 6, 2);
    assertEquals(3, s.size());
    assertEquals(new SocketEntry(41822, 6, 2, V4_LOOPBACK, 8080, ZERO, 0, LISTEN), s.get(0));
    assertEquals(new SocketEntry(41823, 6, 2, V4_LOOPBACK, 0xA872, V4_LOOPBACK, 8080, ESTABLISHED), s.get(1));
    assertEquals(0, s.get(2).inode(), "TIME_WAIT sockets have no inode");
    assertEquals(6, s.get(2).state());
  }

  @Test
  void parsesIpv6TableKeepingV4MappedAddressesAsIpv6() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "sample text is from x86_64");
    List<SocketEntry> s = ProcSockets.parseProcNet(TCP6, 6, 10);
    assertEquals(3, s.size());
    assertEquals(new SocketEntry(5001, 6, 10, V6_LOOPBACK, 8080, ZERO, 0, LISTEN), s.get(0));
    SocketEntry mapped = s.get(1);
    assertEquals(10, mapped.family());
    assertArrayEquals(V4_MAPPED_LOOPBACK, mapped.localAddress());
    assertArrayEquals(V4_MAPPED_LOOPBACK, mapped.remoteAddress());
    assertEquals(0xA000, mapped.localPort());
    assertEquals(80, mapped.remotePort());
    assertEquals("2001:db8::1", InetText.address(10, s.get(2).localAddress()));
    assertEquals(53, s.get(2).localPort());

    List<SocketEntry> udp = ProcSockets.parseProcNet(UDP6, 17, 10);
    assertEquals(List.of(new SocketEntry(7007, 17, 10, V6_LOOPBACK, 0xD431, ZERO, 0, UDP_UNCONNECTED)), udp);
  }

  @Test
  void rejectsMalformedTablesNamingTheLine() {
    String header = TCP.substring(0, TCP.indexOf('\n') + 1);
    assertMalformed(header + "   0: 0100007F:1F90 00000000:0000 0A\n", "line 2", "at least 10 columns");
    assertMalformed(header + "   0: 0100007F1F90 00000000:0000 0A 0:0 0:0 0 0 0 41822\n", "line 2", "8 hex digits and a port");
    assertMalformed(header + "   0: 0100ZZ7F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 41822\n", "line 2", "not hex");
    assertMalformed(header + "   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 -5\n", "line 2", "inode '-5'");
    assertMalformed(header + "   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 41822\n   1: garbage\n", "line 3", "columns");
    assertThrows(SocketScanException.class, () -> ProcSockets.parseProcNet(TCP6, 6, 2), "v6 addresses in a v4 table");
    assertThrows(IllegalArgumentException.class, () -> ProcSockets.parseProcNet(TCP, 6, 3));
  }

  private static void assertMalformed(String text, String... expected) {
    SocketScanException e =
        assertThrows(SocketScanException.class, () -> ProcSockets.parseProcNet(text, 6, 2));
    for (String x : expected) {
      assertTrue(e.getMessage().contains(x), "'" + e.getMessage() + "' lacks '" + x + "'");
    }
  }

  @Test
  void findsThisJvmsRealSocketsByInodeWithPortsAndState() throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    try (ServerSocket server = new ServerSocket(0, 50, loopback);
        Socket client = new Socket(loopback, server.getLocalPort());
        Socket accepted = server.accept();
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
      Set<Long> open = ProcSockets.openSocketInodes();
      List<SocketEntry> ours =
          ProcSockets.inetSockets().stream().filter(e -> open.contains(e.inode())).collect(Collectors.toList());

      int port = server.getLocalPort();
      SocketEntry listener = find(ours, 6, port, 0, LISTEN);
      SocketEntry clientSide = find(ours, 6, client.getLocalPort(), port, ESTABLISHED);
      SocketEntry serverSide = find(ours, 6, port, client.getLocalPort(), ESTABLISHED);
      SocketEntry datagram = find(ours, 17, udp.getLocalPort(), 0, UDP_UNCONNECTED);
      for (SocketEntry e : List.of(listener, clientSide, serverSide, datagram)) {
        assertTrue(e.inode() > 0);
        assertLoopback(e.family(), e.localAddress());
      }
      assertLoopback(clientSide.family(), clientSide.remoteAddress());
      assertEquals(4, Set.of(listener.inode(), clientSide.inode(), serverSide.inode(), datagram.inode()).size());

      udp.close();
      assertFalse(ProcSockets.openSocketInodes().contains(datagram.inode()), "closed socket still listed");
    }
  }

  @Test
  void aReadForSomeInodesMakesEntriesForThemAloneWithLittleGarbage() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    try (ServerSocket server = new ServerSocket(0, 50, loopback);
        Socket client = new Socket(loopback, server.getLocalPort());
        Socket accepted = server.accept();
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
      Set<Long> open = ProcSockets.openSocketInodes();
      List<SocketEntry> all = ProcSockets.inetSockets();
      Set<SocketEntry> expected = all.stream().filter(e -> open.contains(e.inode())).collect(Collectors.toSet());
      assertTrue(expected.size() >= 4, expected.toString());

      ProcSockets.inetSockets(open::contains); // warm up
      long before = threads.getCurrentThreadAllocatedBytes();
      List<SocketEntry> wanted = ProcSockets.inetSockets(open::contains);
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;
      assertEquals(expected, Set.copyOf(wanted));
      assertEquals(expected.size(), wanted.size());
      // The whole-table read here made a few hundred bytes per line of the namespace's tables.
      assertTrue(allocated < 256 * 1024, allocated + " bytes for " + all.size() + " lines");
    }
  }

  private static SocketEntry find(List<SocketEntry> entries, int protocol, int localPort, int remotePort, int state) {
    List<SocketEntry> found =
        entries.stream()
            .filter(e -> e.protocol() == protocol && e.localPort() == localPort && e.remotePort() == remotePort)
            .collect(Collectors.toList());
    assertEquals(1, found.size(), "protocol " + protocol + " port " + localPort + "->" + remotePort + " in " + entries);
    assertEquals(state, found.get(0).state(), found.get(0).toString());
    return found.get(0);
  }

  // Java opens dual-stack IPv6 sockets unless told otherwise, so 127.0.0.1 may be v4-mapped.
  private static void assertLoopback(int family, byte[] address) {
    if (family == 2) {
      assertArrayEquals(V4_LOOPBACK, address);
    } else {
      assertEquals(10, family);
      assertArrayEquals(V4_MAPPED_LOOPBACK, address);
    }
  }

  @Test
  void toleratesSocketsClosingDuringTheScan() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Thread churn =
        new Thread(
            () -> {
              while (!stop.get()) {
                try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                  s.getLocalPort();
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              }
            });
    churn.start();
    try {
      for (int i = 0; i < 300; i++) {
        ProcSockets.openSocketInodes();
      }
    } finally {
      stop.set(true);
      churn.join();
    }
  }

  @Test
  void readsNamespacesOfThisProcess() throws Exception {
    long netns = ProcSockets.netnsInode();
    String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    assertEquals("net:[" + netns + "]", link);

    PidNamespace pidns = ProcSockets.pidNamespace();
    String pidLink = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
    assertEquals("pid:[" + pidns.ino() + "]", pidLink);
    assertEquals(ProcessHandle.current().pid(), pidns.pid());
    assertEquals(((Number) Files.getAttribute(Path.of("/proc/self/ns/pid"), "unix:dev")).longValue(), pidns.dev());
  }
}
