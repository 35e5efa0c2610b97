package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfLink;
import io.netdrop.bpf.btf.Btf;
import io.netdrop.config.AttachMode;
import io.netdrop.drops.DropProgram;
import io.netdrop.drops.DropTotals;
import io.netdrop.kernel.CgroupV2;
import io.netdrop.sockets.internal.SocketCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Socket registration inside socket(2) and bind(2) with the real program (bpf/netdrop.bpf.c:
 * nd_sock_create, nd_post_bind4/6) attached to this JVM's cgroup: needs root and cgroup v2.
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
        byte[] fromKernel = new byte[SocketCalls.SOCKADDR_SIZE];
        assertTrue(slots.takeBound(inode, fromKernel));
        byte[] fromGetsockname = new byte[SocketCalls.SOCKADDR_SIZE];
        assertTrue(SocketCalls.address(fd, false, fromGetsockname));
        assertArrayEquals(
            java.util.Arrays.copyOf(fromGetsockname, 16),
            java.util.Arrays.copyOf(fromKernel, 16),
            "the same sockaddr_in as getsockname()");
        assertEquals(inode, portOwner(port));
        assertFalse(slots.takeBound(inode, fromKernel), "a bind answers once");
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
        assertFalse(slots.takeBound(SocketCalls.inode(fd), new byte[SocketCalls.SOCKADDR_SIZE]));
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
