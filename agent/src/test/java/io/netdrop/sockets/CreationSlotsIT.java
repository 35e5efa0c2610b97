package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfLink;
import io.netdrop.bpf.btf.Btf;
import io.netdrop.config.AttachMode;
import io.netdrop.drops.DropProgram;
import io.netdrop.drops.DropTotals;
import io.netdrop.kernel.CgroupV2;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.Getpeername;
import io.netdrop.sockets.internal.SocketCalls;
import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Socket registration inside socket(2), bind(2), connect(2) and, for accepted sockets, one
 * getpeername(2), with the real program (bpf/netdrop.bpf.c: nd_sock_create, nd_post_bind4/6,
 * nd_sock_ops, nd_getpeername4/6) attached to this JVM's cgroup: needs root and cgroup v2.
 */
class CreationSlotsIT {
  private static final long NETNS = ProcSockets.netnsInode();
  private static final int UDP = ProcSockets.IPPROTO_UDP;

  private static DropProgram program;
  private static SocketMaps maps;
  private static CreationSlots slots;

  @BeforeAll
  static void load() {
    program =
        DropProgram.load(
            Btf.loadVmlinux(),
            new DropProgram.Settings(1 << 16, 100, 10, 1, AttachMode.AUTO),
            ProcSockets.pidNamespace());
    maps =
        new SocketMaps(
            program.map("sockets"), program.map("ports"), program.map("tuples"), program.map("port_hint"));
    slots = CreationSlots.map(program.map("creating"));
  }

  @AfterAll
  static void close() {
    program.close();
  }

  private static List<BpfLink> attach() {
    return program.attachSocketHooks(CgroupV2.ownDirectory().orElseThrow());
  }

  private static List<BpfLink> attachWithAcceptHooks() {
    List<BpfLink> links = new java.util.ArrayList<>(attach());
    links.addAll(program.attachAcceptHooks(CgroupV2.ownDirectory().orElseThrow()));
    return links;
  }

  private static long tupleOwner(CreationSlots.Handoff h) {
    byte[] v = new byte[8];
    byte[] key = SocketMaps.tupleKey(NETNS, h.endpoints().toEntry(0, ProcSockets.IPPROTO_TCP));
    return program.map("tuples").lookup(key, v)
        ? ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong()
        : -1;
  }

  private static void forget(long inode, CreationSlots.Handoff h) {
    maps.removeSocket(inode);
    if (h != null) {
      maps.removeTupleIfOwned(NETNS, h.endpoints().toEntry(inode, ProcSockets.IPPROTO_TCP));
    }
  }

  private static long portOwner(int port) {
    byte[] v = new byte[8];
    return program.map("ports").lookup(SocketMaps.portKey(NETNS, UDP, port), v)
        ? ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong()
        : -1;
  }

  @Test
  void anArmedThreadsSocketIsInTheMapWhenSocketReturns() {
    List<BpfLink> links = attach();
    try {
      assertTrue(slots.arm());
      int fd = SocketCalls.nativeUdpSocket();
      try {
        long inode = SocketCalls.inode(fd);
        assertEquals(inode, slots.take());
        assertTrue(maps.hasSocket(inode));
        assertEquals(-1, slots.take(), "a slot answers once");
        maps.removeSocket(inode);
      } finally {
        SocketCalls.closeNative(fd);
      }
    } finally {
      links.forEach(BpfLink::close);
    }
  }

  @Test
  void socketsOfUnarmedThreadsAreNotRegistered() {
    List<BpfLink> links = attach();
    try {
      int fd = SocketCalls.nativeUdpSocket();
      try {
        assertEquals(-1, slots.take());
        assertFalse(maps.hasSocket(SocketCalls.inode(fd)), "native code's own sockets stay out");
      } finally {
        SocketCalls.closeNative(fd);
      }
    } finally {
      links.forEach(BpfLink::close);
    }
  }

  @Test
  void bindOfOurSocketRegistersItsPortAndHandsBackTheAddress() {
    List<BpfLink> links = attach();
    try {
      slots.arm();
      int fd = SocketCalls.nativeUdpSocket();
      try {
        long inode = slots.take();
        int port = SocketCalls.bindLoopbackV4(fd);
        CreationSlots.Handoff fromKernel = slots.takeEndpoints(inode);
        assertNotNull(fromKernel);
        byte[] fromGetsockname = new byte[SocketCalls.SOCKADDR_SIZE];
        assertTrue(SocketCalls.address(fd, false, fromGetsockname));
        byte[] address = new byte[16];
        SocketCalls.copyAddress(fromGetsockname, address);
        assertEquals(SocketCalls.AF_INET, fromKernel.family());
        assertArrayEquals(address, fromKernel.local(), "the address getsockname() gives");
        assertEquals(port, fromKernel.localPort());
        assertFalse(fromKernel.connected());
        assertEquals(inode, portOwner(port));
        assertNull(slots.takeEndpoints(inode), "a bind answers once");
        maps.removeSocket(inode);
        maps.removePortIfOwned(NETNS, UDP, port, inode);
      } finally {
        SocketCalls.closeNative(fd);
      }
    } finally {
      links.forEach(BpfLink::close);
    }
  }

  @Test
  void bindOfASocketThatIsNotOursRegistersNothing() {
    List<BpfLink> links = attach();
    try {
      int fd = SocketCalls.nativeUdpSocket();
      try {
        int port = SocketCalls.bindLoopbackV4(fd);
        assertEquals(-1, portOwner(port));
        assertNull(slots.takeEndpoints(SocketCalls.inode(fd)));
      } finally {
        SocketCalls.closeNative(fd);
      }
    } finally {
      links.forEach(BpfLink::close);
    }
  }

  @Test
  void connectsAreLearnedInsideTcpConnectOncePerConnect() {
    DropTotals stats = new DropTotals(program.map("counts"), program.map("stats"));
    List<BpfLink> links = attach();
    try {
      long before = stats.stat(DropTotals.TUPLES_AT_CONNECT);
      slots.verifyConnectTracking(maps, NETNS, () -> stats.stat(DropTotals.TUPLES_AT_CONNECT));
      assertEquals(before + 1, stats.stat(DropTotals.TUPLES_AT_CONNECT));
    } finally {
      links.forEach(BpfLink::close);
    }
    BpfException e =
        assertThrows(
            BpfException.class,
            () -> slots.verifyConnectTracking(maps, NETNS, () -> stats.stat(DropTotals.TUPLES_AT_CONNECT)));
    assertTrue(e.getMessage().contains("not registered at creation"), e.getMessage());
  }

  @Test
  void connectHandsBackTheTupleTheKernelRegistered() {
    List<BpfLink> links = attach();
    int listener = SocketCalls.nativeTcpSocket();
    int client = -1;
    long inode = -1;
    CreationSlots.Handoff handed = null;
    try {
      int port = SocketCalls.bindLoopbackV4(listener);
      assertTrue(SocketCalls.listen(listener, 1));
      slots.arm();
      client = SocketCalls.nativeTcpSocket();
      inode = slots.take();
      assertTrue(SocketCalls.connectLoopbackV4(client, port));
      handed = slots.takeEndpoints(inode);
      assertNotNull(handed, "connect() left the endpoints");
      byte[] local = new byte[SocketCalls.SOCKADDR_SIZE];
      assertTrue(SocketCalls.address(client, false, local));
      assertEquals(SocketCalls.port(local), handed.localPort(), "the port connect() picked");
      assertEquals(port, handed.remotePort());
      assertEquals(inode, tupleOwner(handed), "the tuple is registered to the client");
      assertNull(slots.takeEndpoints(inode), "a connect answers once");
    } finally {
      forget(inode, handed);
      SocketCalls.closeNative(listener);
      if (client >= 0) {
        SocketCalls.closeNative(client);
      }
      links.forEach(BpfLink::close);
    }
  }

  @Test
  void aRefusedConnectsKernelTupleLeavesTheMapWithTheSocketAfterTheGracePeriod() {
    List<BpfLink> links = attach();
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
    RegistrySocketEvents events =
        RegistrySocketEvents.builder(ConnectionRegistry.create(64)).captureCreator(false).graceMillis(1000).clock(now::get).build();
    events.attach(maps, NETNS);
    events.useCreationSlots(slots);
    int closed = SocketCalls.nativeTcpSocket();
    int port = SocketCalls.bindLoopbackV4(closed);
    SocketCalls.closeNative(closed); // nothing listens on `port` now
    long inode = -1;
    try {
      events.creating();
      int client = SocketCalls.nativeTcpSocket();
      events.opened(client, io.netdrop.bootstrap.SocketEvents.TCP, null);
      inode = SocketCalls.inode(client);
      events.connecting(client, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), null);
      assertFalse(SocketCalls.connectLoopbackV4(client, port), "refused");
      assertEquals(1, tuplesOwnedBy(inode), "the kernel registered the tuple at the SYN");
      events.closing(client, null); // as the JDK does inside a failed connect()
      SocketCalls.closeNative(client);
      events.expireClosed();
      assertEquals(1, tuplesOwnedBy(inode), "kept for the grace period: the peer's late packets");
      now.addAndGet(2_000_000_000L);
      events.expireClosed();
      assertEquals(0, tuplesOwnedBy(inode), "gone with the socket");
    } finally {
      links.forEach(BpfLink::close);
    }
  }

  private static int tuplesOwnedBy(long inode) {
    int n = 0;
    byte[] v = new byte[8];
    for (byte[] key : program.map("tuples").keys()) {
      if (program.map("tuples").lookup(key, v) && ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong() == inode) {
        n++;
      }
    }
    return n;
  }

  /** The JDK's getpeername(), reached the way the agent does: Instrumentation opens sun.nio.ch. */
  private static Getpeername jdkGetpeername() {
    Instrumentation inst = ByteBuddyAgent.install();
    Getpeername call = Getpeername.open(inst, FileDescriptors.open(inst));
    assertTrue(call.jdk(), "this JDK has sun.nio.ch.Net.remotePort(FileDescriptor)");
    return call;
  }

  @Test
  void anAcceptedSocketIsRegisteredInsideTheJdksGetpeername() {
    Getpeername call = jdkGetpeername();
    acceptOneRegisteredInsideGetpeername(call);
    assertTrue(call.jdk(), "every call went through the JDK's method (a failure would have left it)");
  }

  @Test
  void anAcceptedSocketIsRegisteredInsideJnasGetpeernameWhenThatIsTheCall() {
    acceptOneRegisteredInsideGetpeername(Getpeername.jna());
  }

  private static void acceptOneRegisteredInsideGetpeername(Getpeername call) {
    List<BpfLink> links = attachWithAcceptHooks();
    int listener = SocketCalls.nativeTcpSocket();
    int client = -1;
    int accepted = -1;
    long clientInode = -1;
    long inode = -1;
    CreationSlots.Handoff clientSide = null;
    CreationSlots.Handoff handed = null;
    try {
      slots.useGetpeername(call);
      slots.verifyAccepting(maps, NETNS);
      assertTrue(slots.describesAccepted());
      int port = SocketCalls.bindLoopbackV4(listener);
      assertTrue(SocketCalls.listen(listener, 1));
      client = SocketCalls.nativeTcpSocket();
      assertTrue(SocketCalls.connectLoopbackV4(client, port));
      clientInode = SocketCalls.inode(client);
      clientSide = slots.takeEndpoints(clientInode);
      accepted = SocketCalls.acceptNative(listener);
      assertFalse(maps.hasSocket(SocketCalls.inode(accepted)), "accept() alone registers nothing");

      inode = slots.describeAccepted(accepted, null);
      assertEquals(SocketCalls.inode(accepted), inode);
      assertTrue(maps.hasSocket(inode));
      handed = slots.takeEndpoints(inode);
      assertNotNull(handed);
      assertEquals(port, handed.localPort());
      assertEquals(clientSide.localPort(), handed.remotePort());
      assertEquals(inode, tupleOwner(handed), "the tuple is registered to the accepted socket");

      byte[] peer = new byte[SocketCalls.SOCKADDR_SIZE];
      assertTrue(SocketCalls.address(accepted, true, peer), "an unarmed getpeername() works as ever");
      assertEquals(clientSide.localPort(), SocketCalls.port(peer));
      assertNull(slots.takeEndpoints(inode), "and hands back nothing");
    } finally {
      forget(inode, handed);
      forget(clientInode, clientSide);
      for (int fd : new int[] {client, accepted, listener}) {
        if (fd >= 0) {
          SocketCalls.closeNative(fd);
        }
      }
      links.forEach(BpfLink::close);
    }
    BpfException e = assertThrows(BpfException.class, () -> slots.verifyAccepting(maps, NETNS));
    assertTrue(e.getMessage().contains("did not register an accepted test socket"), e.getMessage());
    assertFalse(slots.describesAccepted(), "a failed proof leaves accepted sockets to the agent");
  }

  @Test
  void acceptedSocketsOfADualStackListenerAreRegisteredForIpv4AndIpv6Peers() throws Exception {
    List<BpfLink> links = attachWithAcceptHooks();
    try (java.nio.channels.ServerSocketChannel listener = java.nio.channels.ServerSocketChannel.open()) {
      slots.useGetpeername(jdkGetpeername());
      slots.verifyAccepting(maps, NETNS);
      listener.bind(new java.net.InetSocketAddress("::", 0)); // an IPv6 socket that accepts IPv4 too
      int port = ((java.net.InetSocketAddress) listener.getLocalAddress()).getPort();
      // An IPv4 peer reaches it as ::ffff:127.0.0.1: the kernel keys its tuple as IPv4.
      expectAccepted(listener, port, "127.0.0.1", SocketCalls.AF_INET);
      expectAccepted(listener, port, "::1", SocketCalls.AF_INET6);
    } finally {
      links.forEach(BpfLink::close);
    }
  }

  private static void expectAccepted(
      java.nio.channels.ServerSocketChannel listener, int port, String peer, int family)
      throws Exception {
    try (java.nio.channels.SocketChannel client =
            java.nio.channels.SocketChannel.open(new java.net.InetSocketAddress(peer, port));
        java.nio.channels.SocketChannel accepted = listener.accept()) {
      int clientPort = ((java.net.InetSocketAddress) client.getLocalAddress()).getPort();
      int fd = ProcFds.fd(ProcSockets.IPPROTO_TCP, port, clientPort);
      // The descriptor the JDK's channel holds, as the hook in ServerSocketChannelImpl passes it.
      long inode = slots.describeAccepted(fd, FileDescriptors.reflective().wrap(fd));
      CreationSlots.Handoff handed = slots.takeEndpoints(inode);
      try {
        assertEquals(SocketCalls.inode(fd), inode, peer);
        assertNotNull(handed, peer);
        assertEquals(family, handed.endpoints().family(), peer);
        assertEquals(
            Endpoints.of(family, handed.local(), port, handed.remote(), clientPort),
            handed.endpoints(),
            peer + ": the hand-back's endpoints equal those built from its addresses");
        assertEquals(port, handed.localPort(), peer);
        assertEquals(clientPort, handed.remotePort(), peer);
        assertEquals(inode, tupleOwner(handed), peer + ": the tuple the drop path looks up");
      } finally {
        forget(inode, handed);
      }
    }
  }

  @Test
  void verifyPassesWithTheHooksAttachedAndNamesTheProblemWithout() {
    List<BpfLink> links = attach();
    try {
      slots.verify(maps, NETNS);
    } finally {
      links.forEach(BpfLink::close);
    }
    BpfException e = assertThrows(BpfException.class, () -> slots.verify(maps, NETNS));
    assertTrue(e.getMessage().contains("did not register a test socket"), e.getMessage());
  }
}
