package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.OrderClient;
import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.sockets.ConnectionRecord.Role;
import io.netdrop.sockets.internal.Creators;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.SocketCalls;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Real loopback sockets of this JVM, their descriptors found through /proc (no reflection). */
class RegistrySocketEventsTest {
  private static final int TCP = ProcSockets.IPPROTO_TCP;
  private static final int UDP = ProcSockets.IPPROTO_UDP;
  /** Also skips the test runner, so that only com.acme fixtures count as the application. */
  private static final Creators CREATORS =
      Creators.skipping(List.of("java.", "jdk.", "sun.", "io.netdrop.", "org.junit.", "org.apache.maven."));

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final ConnectionRegistry registry = ConnectionRegistry.create(1024);
  private final RegistrySocketEvents events =
      RegistrySocketEvents.builder(registry).creators(CREATORS).graceMillis(100).clock(now::get).build();

  @Test
  void tcpClientIsRecordedWithInodeEndpointsRoleAndCreator() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      long inode = ProcFds.inode(TCP, client.getLocalPort(), server.getLocalPort());

      OrderClient.open(events, fd, SocketEvents.TCP);
      OrderClient.connect(events, fd, server.getLocalSocketAddress());

      ConnectionRecord r = registry.find(inode);
      assertNotNull(r, "record for socket:[" + inode + "]");
      assertEquals(inode, r.inode());
      assertEquals(Role.CLIENT, r.role());
      assertEquals(6, r.protocol());
      assertEquals(InetText.AF_INET, r.endpoints().family());
      assertEquals("127.0.0.1:" + client.getLocalPort() + "->127.0.0.1:" + server.getLocalPort(),
          r.endpoints().toString());
      assertEquals("com.acme.OrderClient", r.creator());
      assertEquals(Thread.currentThread().getName(), r.creatingThread());
      assertEquals(1_000_000_000L, r.openedNanos());
      assertFalse(r.closed());
      assertEquals(0, events.failures(), events.lastFailure());
    }
  }

  @Test
  void connectingKnowsTheRemoteBeforeTheLocalPort() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      events.opened(fd, SocketEvents.TCP, null);
      events.connecting(fd, new InetSocketAddress("127.0.0.1", 9), null);
      ConnectionRecord r = registry.find(SocketCalls.inode(fd));
      assertEquals(Role.CLIENT, r.role());
      assertEquals("?->127.0.0.1:9", r.endpoints().toString());
    }
  }

  @Test
  void listenerAndAcceptedSocketGetTheirRolesAndTheServerInheritsTheCreator() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      int listenerFd = ProcFds.fd(TCP, server.getLocalPort(), 0);
      OrderClient.open(events, listenerFd, SocketEvents.TCP);
      OrderClient.bind(events, listenerFd);
      ConnectionRecord listener = registry.find(SocketCalls.inode(listenerFd));
      assertEquals(Role.LISTENER, listener.role());
      assertEquals("127.0.0.1:" + server.getLocalPort(), listener.endpoints().toString());

      client.connect(server.getLocalSocketAddress());
      try (Socket accepted = server.accept()) {
        int acceptedFd = ProcFds.fd(TCP, server.getLocalPort(), client.getLocalPort());
        events.accepted(listenerFd, acceptedFd, null);
        ConnectionRecord r = registry.find(ProcFds.inode(TCP, server.getLocalPort(), client.getLocalPort()));
        assertNotNull(r);
        assertEquals(Role.SERVER, r.role());
        assertEquals("127.0.0.1:" + server.getLocalPort() + "->127.0.0.1:" + client.getLocalPort(),
            r.endpoints().toString());
        assertEquals("com.acme.OrderClient", r.creator(), "accepted sockets take their listener's creator");
      }
    }
  }

  @Test
  void ipv6EndpointsAreKeptAndV4MappedOnesBecomeIpv4() throws IOException {
    // A dual-stack socket talking to 127.0.0.1: getsockname reports ::ffff:127.0.0.1 (AF_INET6).
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      byte[] sa = new byte[SocketCalls.SOCKADDR_SIZE];
      assertTrue(SocketCalls.address(fd, false, sa));
      events.opened(fd, SocketEvents.TCP, null);
      events.bound(fd, null);
      ConnectionRecord r = registry.find(SocketCalls.inode(fd));
      assertEquals(InetText.AF_INET, r.endpoints().family(),
          "sockaddr family was " + SocketCalls.family(sa));
      assertEquals("127.0.0.1:" + client.getLocalPort() + "->127.0.0.1:" + server.getLocalPort(),
          r.endpoints().toString());
    }
    InetAddress v6 = InetAddress.getByName("::1");
    if (NetworkInterface.getByInetAddress(v6) == null) {
      throw new AssertionError("this test needs IPv6 on loopback (::1)");
    }
    try (ServerSocket server = new ServerSocket(0, 50, v6); Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      int fd = ProcFds.fd(TCP, client.getLocalPort(), server.getLocalPort());
      events.opened(fd, SocketEvents.TCP, null);
      events.bound(fd, null);
      ConnectionRecord r = registry.find(SocketCalls.inode(fd));
      assertEquals(InetText.AF_INET6, r.endpoints().family());
      assertEquals("[::1]:" + client.getLocalPort() + "->[::1]:" + server.getLocalPort(),
          r.endpoints().toString());
      assertTrue(server.getInetAddress() instanceof Inet6Address);
    }
  }

  @Test
  void udpSocketIsBoundThenConnected() throws IOException {
    try (DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
      int peerPort = ((InetSocketAddress) peer.getLocalAddress()).getPort();
      int fd = ProcFds.fd(UDP, port, 0);
      events.opened(fd, SocketEvents.UDP, null);
      events.bound(fd, null);
      ConnectionRecord r = registry.find(SocketCalls.inode(fd));
      assertEquals(Role.UDP, r.role());
      assertEquals(17, r.protocol());
      assertEquals("127.0.0.1:" + port, r.endpoints().toString());

      events.connecting(fd, peer.getLocalAddress(), null); // as the instrumentation reports it
      udp.connect(peer.getLocalAddress());
      events.bound(fd, null);
      assertEquals("127.0.0.1:" + port + "->127.0.0.1:" + peerPort, r.endpoints().toString());
      assertSame(r, registry.find(SocketCalls.inode(fd)));
    }
  }

  @Test
  void aUseIsTimedByTheCoarseUseClockWhichTheRegistryThreadAdvances() throws IOException {
    try (DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      int fd = ProcFds.fd(UDP, ((InetSocketAddress) udp.getLocalAddress()).getPort(), 0);
      events.opened(fd, SocketEvents.UDP, null);
      ConnectionRecord r = registry.find(SocketCalls.inode(fd));
      long tick = now.get();
      now.addAndGet(40_000_000L); // the clock moves on; the use clock only on the next tick
      events.used(fd, null);
      assertEquals(tick, r.lastUsedNanos());
      events.releasePending();
      events.used(fd, null);
      assertEquals(now.get(), r.lastUsedNanos());
      assertEquals(Thread.currentThread().getName(), r.lastUser());
    }
  }

  @Test
  void closedSocketStaysFindableForTheGracePeriodThenExpires() throws IOException {
    long inode;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int fd = ProcFds.fd(TCP, server.getLocalPort(), 0);
      inode = SocketCalls.inode(fd);
      events.opened(fd, SocketEvents.TCP, null);
      now.addAndGet(5_000_000);
      events.closing(fd, null);
    }
    ConnectionRecord r = registry.find(inode);
    assertTrue(r.closed());
    assertEquals(1_005_000_000L, r.closedNanos());
    assertEquals(1, registry.closedCount());

    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(99));
    events.expireClosed();
    assertSame(r, registry.find(inode), "99 ms into a 100 ms grace period");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
    events.expireClosed();
    assertNull(registry.find(inode));
    assertEquals(0, registry.size());
  }

  @Test
  void theStartedRegistryThreadExpiresWhatPassedItsGraceByItself() throws Exception {
    long inode;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int fd = ProcFds.fd(TCP, server.getLocalPort(), 0);
      inode = SocketCalls.inode(fd);
      events.opened(fd, SocketEvents.TCP, null);
      events.closing(fd, null);
    }
    events.start();
    try {
      Thread.sleep(3 * RegistrySocketEvents.PROMPT_MILLIS);
      assertNotNull(registry.find(inode), "still in its grace period");
      now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100)); // the grace ends now
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (registry.find(inode) != null && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertNull(registry.find(inode), "expired by a tick of the registry thread, not by a caller");
    } finally {
      events.close();
    }
  }

  @Test
  void socketsTheEventsNeverOpenedAreRecordedOnFirstSight() throws IOException {
    try (DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      int fd = ProcFds.fd(UDP, ((InetSocketAddress) udp.getLocalAddress()).getPort(), 0);
      events.bound(fd, null); // e.g. created before the agent started
      ConnectionRecord r = registry.find(SocketCalls.inode(fd));
      assertNotNull(r);
      assertEquals(SocketEvents.UDP, r.transport());
      assertEquals(Role.UDP, r.role());
    }
  }

  @Test
  void descriptorsThatAreNotSocketsOrNotOpenAreIgnored() throws IOException {
    try (FileInputStream file = new FileInputStream("/proc/self/status")) {
      int fileFd = -1;
      for (int fd = 3; fd < 4096 && fileFd < 0; fd++) {
        try {
          if (java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd))
              .toString().endsWith("/status")) {
            fileFd = fd;
          }
        } catch (IOException notOpen) {
          // next
        }
      }
      events.bound(fileFd, null);
      events.connecting(fileFd, new InetSocketAddress("127.0.0.1", 1), null);
    }
    events.opened(-1, SocketEvents.TCP, null);
    events.opened(1_000_000, SocketEvents.TCP, null);
    events.bound(1_000_000, null);
    events.closing(-5, null);
    events.used(-5, null);
    events.used(1_000_000, null);
    events.accepted(-1, 1_000_000, null);
    assertEquals(0, registry.size());
    assertEquals(0, events.failures(), events.lastFailure());
  }

  @Test
  void fileDescriptorEventsAreIgnoredWhenDescriptorsCannotBeRead() {
    // The surefire JVM does not open java.io, so the reflective accessor is unavailable here.
    assertFalse(FileDescriptors.reflective().available());
    assertEquals(-1, FileDescriptors.reflective().fd(FileDescriptor.out));
    events.opened(FileDescriptor.out, SocketEvents.TCP, null);
    events.used(FileDescriptor.out, null);
    events.closing((FileDescriptor) null, null);
    assertEquals(0, registry.size());
    assertEquals(0, events.failures());
  }

  @Test
  void creatorCaptureCanBeTurnedOff() throws IOException {
    RegistrySocketEvents plain = RegistrySocketEvents.builder(registry).captureCreator(false).build();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int fd = ProcFds.fd(TCP, server.getLocalPort(), 0);
      OrderClient.open(plain, fd, SocketEvents.TCP);
      OrderClient.bind(plain, fd);
      assertNull(registry.find(SocketCalls.inode(fd)).creator());
    }
  }

  @Test
  void creatorsAreReadWithinTheirBudgetPerTickOnly() throws IOException {
    // 10 a second is one per 100 ms tick.
    RegistrySocketEvents budgeted =
        RegistrySocketEvents.builder(registry).creators(CREATORS).creatorsPerSecond(10).build();
    try (DatagramChannel a = DatagramChannel.open();
        DatagramChannel b = DatagramChannel.open();
        DatagramChannel c = DatagramChannel.open()) {
      OrderClient.open(budgeted, fdOf(a), SocketEvents.UDP);
      OrderClient.open(budgeted, fdOf(b), SocketEvents.UDP);
      budgeted.releasePending(); // the registry's thread starts the next tick
      OrderClient.open(budgeted, fdOf(c), SocketEvents.UDP);
      assertEquals("com.acme.OrderClient", creatorOf(a));
      assertNull(creatorOf(b), "over this tick's budget: no stack read");
      assertEquals("com.acme.OrderClient", creatorOf(c), "a new tick, a new budget");
    }
  }

  /** Binds {@code ch} to a loopback port and returns its descriptor. */
  private static int fdOf(DatagramChannel ch) throws IOException {
    ch.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    return boundFd(ch);
  }

  private static int boundFd(DatagramChannel ch) throws IOException {
    return ProcFds.fd(UDP, ((InetSocketAddress) ch.getLocalAddress()).getPort(), 0);
  }

  private String creatorOf(DatagramChannel ch) throws IOException {
    return registry.find(SocketCalls.inode(boundFd(ch))).creator();
  }
}
