package io.netdrop.sockets;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.MappedRegion;
import io.netdrop.bpf.sys.ThreadIds;
import io.netdrop.sockets.internal.Getpeername;
import io.netdrop.sockets.internal.SocketCalls;
import java.io.FileDescriptor;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The agent's half of registering sockets in the kernel while they are created: the {@code
 * creating} map of bpf/netdrop.bpf.c ({@code struct nd_creating} per slot), mapped into this JVM.
 * A thread {@link #arm()}s its slot just before it creates a socket; {@code nd_sock_create} puts
 * the new socket's inode into the {@code sockets} map inside socket(2) and leaves it in the slot,
 * where {@link #take()} reads it. Neither side costs a system call, so a socket the application
 * opens is registered for the price of a few memory accesses.
 *
 * <p>A thread uses slot {@code tid % SLOTS}. Two threads whose ids share a slot may overwrite each
 * other's arming; the kernel then registers nothing for one of them and {@link #take()} answers
 * -1, so the caller registers that socket itself: a collision costs time, never a wrong inode.
 * Virtual threads have no stable kernel thread id and always take the caller's path.
 *
 * <p>The mapping is never unmapped: application threads may be inside {@link #arm()} at any time,
 * and a write to an unmapped page would crash the JVM. It holds 256 KiB and keeps the map alive
 * until the JVM exits.
 */
public final class CreationSlots {
  /** {@code ND_CREATING_SLOTS} of bpf/netdrop.h. */
  public static final int SLOTS = 4096;
  /** {@code sizeof(struct nd_creating)}. */
  static final int SLOT_SIZE = 64;
  private static final int TID = 0;
  private static final int ARMED = 4;
  private static final int INODE = 8;
  private static final int EP_INODE = 16;
  private static final int EP_FAMILY = 24;
  private static final int EP_LPORT = 26;
  private static final int EP_RPORT = 28;
  private static final int EP_LADDR = 32;
  private static final int EP_RADDR = 48;
  /** {@code ND_ARM_CREATE} and {@code ND_ARM_DESCRIBE} of bpf/netdrop.h. */
  private static final int ARM_CREATE = 1;
  private static final int ARM_DESCRIBE = 2;

  private final ByteBuffer slots;
  private volatile Getpeername getpeername = Getpeername.jna();
  /** Set once {@link #verifyAccepting} proved nd_getpeername4/6 on this host. */
  private volatile boolean describesAccepted;

  private CreationSlots(MappedRegion region) {
    this.slots = region.buffer();
  }

  /**
   * Maps {@code creating} read-write. Throws {@link BpfException} if the map is not the mmapable
   * array of {@link #SLOTS} {@code struct nd_creating} the program declares.
   */
  public static CreationSlots map(BpfMap creating) {
    if (creating.type() != BpfConstants.MAP_TYPE_ARRAY
        || creating.valueSize() != SLOT_SIZE
        || creating.maxEntries() != SLOTS) {
      throw new BpfException(
          "map '" + creating.name() + "' is not an array of " + SLOTS + " x " + SLOT_SIZE
              + " bytes (type " + creating.type() + ", " + creating.maxEntries() + " x "
              + creating.valueSize() + ")");
    }
    return new CreationSlots(
        MappedRegion.map(
            creating.fd(), (long) SLOTS * SLOT_SIZE, true, 0, "map '" + creating.name() + "'"));
  }

  /**
   * Asks the kernel to register the next socket this thread creates. Returns false (and arms
   * nothing) on a thread without a stable kernel thread id.
   */
  public boolean arm() {
    return arm(ARM_CREATE);
  }

  private boolean arm(int what) {
    int tid = ThreadIds.current();
    if (tid == ThreadIds.NONE) {
      return false;
    }
    int slot = slot(tid);
    slots.putInt(slot + TID, tid);
    slots.putLong(slot + INODE, 0);
    slots.putInt(slot + ARMED, what);
    return true;
  }

  /**
   * Registers an accepted socket in the kernel with one system call: arms this thread's slot for
   * {@code nd_getpeername4/6} and calls getpeername() on {@code fd}; inside it the kernel puts the
   * socket's inode into {@code sockets} and its tuple into {@code tuples}, and leaves both here
   * ({@link #takeEndpoints} then answers without a system call). Returns the inode, or -1 if the
   * kernel did not register it (hook not proved here, thread without a stable id, a slot collision,
   * not a connected TCP socket): the caller then registers the socket itself.
   *
   * @param descriptor the same socket as a {@link FileDescriptor}, or null if the caller has none
   */
  public long describeAccepted(int fd, FileDescriptor descriptor) {
    if (!describesAccepted || !arm(ARM_DESCRIBE)) {
      return -1;
    }
    getpeername.call(fd, descriptor);
    return take();
  }

  /**
   * How {@link #describeAccepted} calls getpeername(); default {@link Getpeername#jna()}. Set
   * before {@link #verifyAccepting}, which then proves this very call.
   */
  public void useGetpeername(Getpeername call) {
    this.getpeername = Objects.requireNonNull(call, "call");
  }

  /** The getpeername() call {@link #describeAccepted} makes. */
  public Getpeername getpeername() {
    return getpeername;
  }

  /** Lets {@link #describeAccepted} use the kernel; for {@link #verifyAccepting} and tests. */
  void describeAcceptedInKernel(boolean enabled) {
    describesAccepted = enabled;
  }

  /** Whether accepted sockets are registered by {@code nd_getpeername4/6} (proved at start). */
  public boolean describesAccepted() {
    return describesAccepted;
  }

  /**
   * The inode the kernel registered for this thread's socket since {@link #arm()}, or -1 if it
   * registered none (not armed, not an IPv4/IPv6 socket, program not attached, slot taken by
   * another thread). Disarms the slot.
   */
  public long take() {
    int tid = ThreadIds.current();
    if (tid == ThreadIds.NONE) {
      return -1;
    }
    int slot = slot(tid);
    if (slots.getInt(slot + TID) != tid) {
      return -1;
    }
    long inode = slots.getLong(slot + INODE);
    boolean armed = slots.getInt(slot + ARMED) != 0;
    slots.putInt(slot + ARMED, 0);
    // Re-read the owner: a colliding thread that armed meanwhile wrote its tid first.
    if (armed || inode <= 0 || slots.getInt(slot + TID) != tid) {
      return -1;
    }
    slots.putLong(slot + INODE, 0);
    return inode;
  }

  /**
   * The endpoints the kernel left for socket {@code inode} when it registered them during this
   * thread's last bind() ({@code nd_post_bind4/6}: the port, no peer), connect() ({@code
   * nd_sock_ops}: the tuple) or {@link #describeAccepted} (the tuple); null if it left none for
   * that socket. The agent then reads no address and writes no map entry. Forgets the answer.
   */
  public Handoff takeEndpoints(long inode) {
    int tid = ThreadIds.current();
    if (tid == ThreadIds.NONE) {
      return null;
    }
    int slot = slot(tid);
    if (slots.getInt(slot + TID) != tid || slots.getLong(slot + EP_INODE) != inode) {
      return null;
    }
    int family = Short.toUnsignedInt(slots.getShort(slot + EP_FAMILY));
    int localPort = Short.toUnsignedInt(slots.getShort(slot + EP_LPORT));
    int remotePort = Short.toUnsignedInt(slots.getShort(slot + EP_RPORT));
    // The addresses in network order, as two big-endian halves each (no arrays: once per accept).
    long localHigh = Long.reverseBytes(slots.getLong(slot + EP_LADDR));
    long localLow = Long.reverseBytes(slots.getLong(slot + EP_LADDR + 8));
    long remoteHigh = Long.reverseBytes(slots.getLong(slot + EP_RADDR));
    long remoteLow = Long.reverseBytes(slots.getLong(slot + EP_RADDR + 8));
    slots.putLong(slot + EP_INODE, 0);
    // A colliding thread that armed meanwhile wrote its tid first (see arm()).
    if (slots.getInt(slot + TID) != tid
        || (family != SocketCalls.AF_INET && family != SocketCalls.AF_INET6)
        || localPort == 0) {
      return null;
    }
    return new Handoff(family, localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort);
  }

  /**
   * Endpoints as the kernel left them in a slot: {@code family} is the socket's (AF_INET or
   * AF_INET6; a connection over IPv4-mapped IPv6 comes as AF_INET), addresses 16 bytes in network
   * order with IPv4 in the first 4, {@code remotePort} 0 after a bind (the kernel registered the
   * port) and non-zero after a connect or accept (it registered the tuple).
   */
  public static final class Handoff {
    private final int family;
    private final long localHigh;
    private final long localLow;
    private final int localPort;
    private final long remoteHigh;
    private final long remoteLow;
    private final int remotePort;

    private Handoff(
        int family, long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow,
        int remotePort) {
      this.family = family;
      this.localHigh = localHigh;
      this.localLow = localLow;
      this.localPort = localPort;
      this.remoteHigh = remoteHigh;
      this.remoteLow = remoteLow;
      this.remotePort = remotePort;
    }

    public int family() {
      return family;
    }

    /** A copy of the local address, 16 bytes. */
    public byte[] local() {
      return address(localHigh, localLow);
    }

    public int localPort() {
      return localPort;
    }

    /** A copy of the remote address, 16 bytes (zero after a bind). */
    public byte[] remote() {
      return address(remoteHigh, remoteLow);
    }

    public int remotePort() {
      return remotePort;
    }

    /** Whether the kernel registered a tuple (else a bound port). */
    public boolean connected() {
      return remotePort != 0;
    }

    /** As {@link Endpoints}; an IPv4 tuple without copying its addresses. */
    public Endpoints endpoints() {
      return family == SocketCalls.AF_INET
          ? Endpoints.ipv4(localHigh, localPort, remoteHigh, remotePort)
          : Endpoints.of(family, local(), localPort, remote(), remotePort);
    }

    private static byte[] address(long high, long low) {
      return ByteBuffer.allocate(16).putLong(high).putLong(low).array();
    }
  }

  /**
   * Proves the round trip on this machine: creates one IPv4 UDP socket natively with this
   * thread's slot armed, binds it to an ephemeral loopback port and checks that the kernel
   * registered exactly that socket and port (in network namespace {@code netns}). A hook
   * that is attached but never runs (a cgroup v1 host whose sockets are not accounted to cgroup v2, for
   * one) fails here instead of silently leaving sockets unregistered.
   *
   * @throws BpfException saying what was seen instead
   */
  public void verify(SocketMaps maps, long netns) {
    if (!arm()) {
      throw new BpfException("the calling thread has no stable kernel thread id");
    }
    int fd = SocketCalls.nativeUdpSocket();
    if (fd < 0) {
      take();
      throw new BpfException("cannot create a test socket");
    }
    long actual = -1;
    int port = -1;
    try {
      long registered = take();
      actual = SocketCalls.inode(fd);
      if (registered != actual || !maps.hasSocket(actual)) {
        throw new BpfException(
            "the socket-creation hook did not register a test socket (slot inode " + registered
                + ", socket inode " + actual + ")");
      }
      port = SocketCalls.bindLoopbackV4(fd);
      if (port <= 0) {
        throw new BpfException("cannot bind a test socket");
      }
      Handoff bound = takeEndpoints(actual);
      if (bound == null || bound.localPort() != port || bound.connected()) {
        throw new BpfException("the bind hook did not register the test socket's port " + port);
      }
    } finally {
      SocketCalls.closeNative(fd);
      if (actual > 0) {
        maps.removeSocket(actual);
        if (port > 0) {
          maps.removePortIfOwned(netns, SocketMaps.PROTOCOL_UDP, port, actual);
        }
      }
    }
  }

  /**
   * Proves that connect() tuples are learned inside tcp_connect() ({@code nd_sock_ops}): connects
   * one natively created, registered TCP socket to a native loopback listener and checks that
   * {@code learnedAtConnect} (the program's counter) went up by one. The listener is closed first,
   * so the connection ends with a reset it sends, which drops nothing.
   *
   * @throws BpfException saying what was seen instead
   */
  public void verifyConnectTracking(SocketMaps maps, long netns, LongSupplier learnedAtConnect) {
    int listener = SocketCalls.nativeTcpSocket();
    int client = -1;
    long inode = -1;
    int localPort = -1;
    int port = -1;
    try {
      port = listenOnLoopback(listener);
      if (!arm()) {
        throw new BpfException("the calling thread has no stable kernel thread id");
      }
      client = SocketCalls.nativeTcpSocket();
      inode = take();
      if (client < 0 || inode <= 0) {
        throw new BpfException("the test socket was not registered at creation");
      }
      long before = learnedAtConnect.getAsLong();
      if (!SocketCalls.connectLoopbackV4(client, port)) {
        throw new BpfException("cannot connect the test socket to its listener");
      }
      Handoff handed = takeEndpoints(inode);
      byte[] local = new byte[SocketCalls.SOCKADDR_SIZE];
      if (SocketCalls.address(client, false, local)) {
        localPort = SocketCalls.port(local);
      }
      long learned = learnedAtConnect.getAsLong() - before;
      if (learned != 1) {
        throw new BpfException("the connect hook learned " + learned + " tuples for one connect");
      }
      if (handed == null || handed.localPort() != localPort || handed.remotePort() != port) {
        throw new BpfException("the connect hook did not hand back the test connection's endpoints");
      }
    } finally {
      if (listener >= 0) {
        SocketCalls.closeNative(listener);
      }
      if (client >= 0) {
        SocketCalls.closeNative(client);
      }
      forgetLoopbackConnection(maps, netns, inode, localPort, port);
    }
  }

  /**
   * Proves {@code nd_sock_ops} attached alone (no creation slots): one native loopback connect of
   * this thread must be learned once, inside connect(). The test socket's entries are removed before
   * it closes.
   *
   * @throws BpfException saying what was seen instead
   */
  public static void verifyConnectHookAlone(SocketMaps maps, long netns, LongSupplier learnedAtConnect) {
    int listener = SocketCalls.nativeTcpSocket();
    int client = -1;
    long inode = -1;
    int localPort = -1;
    int port = -1;
    try {
      port = listenOnLoopback(listener);
      client = SocketCalls.nativeTcpSocket();
      long before = learnedAtConnect.getAsLong();
      if (client < 0 || !SocketCalls.connectLoopbackV4(client, port)) {
        throw new BpfException("cannot connect the test socket to its listener");
      }
      inode = SocketCalls.inode(client);
      byte[] local = new byte[SocketCalls.SOCKADDR_SIZE];
      if (SocketCalls.address(client, false, local)) {
        localPort = SocketCalls.port(local);
      }
      long learned = learnedAtConnect.getAsLong() - before;
      if (learned != 1) {
        throw new BpfException("the connect hook learned " + learned + " tuples for one connect");
      }
    } finally {
      if (listener >= 0) {
        SocketCalls.closeNative(listener);
      }
      forgetLoopbackConnection(maps, netns, inode, localPort, port);
      if (client >= 0) {
        SocketCalls.closeNative(client);
      }
    }
  }

  /**
   * Proves {@link #describeAccepted} here ({@code nd_getpeername4/6}): accepts one native loopback
   * connection and checks that one getpeername() registered the accepted socket's inode and handed
   * back its tuple; on success {@link #describeAccepted} uses the kernel from now on. The test
   * sockets' entries are removed before they close, so their close is nobody's drop.
   *
   * @throws BpfException saying what was seen instead
   */
  public void verifyAccepting(SocketMaps maps, long netns) {
    int listener = SocketCalls.nativeTcpSocket();
    int client = -1;
    int accepted = -1;
    long inode = -1;
    Handoff handed = null;
    long clientInode = -1;
    Handoff clientEndpoints = null;
    try {
      int port = listenOnLoopback(listener);
      client = SocketCalls.nativeTcpSocket();
      if (client < 0 || !SocketCalls.connectLoopbackV4(client, port)) {
        throw new BpfException("cannot connect a test socket");
      }
      // connect() in a thread of this JVM: nd_sock_ops registered the client too (cleaned up below).
      clientInode = SocketCalls.inode(client);
      clientEndpoints = takeEndpoints(clientInode);
      accepted = SocketCalls.acceptNative(listener);
      if (accepted < 0) {
        throw new BpfException("cannot accept the test connection");
      }
      describeAcceptedInKernel(true);
      inode = describeAccepted(accepted, null);
      long actual = SocketCalls.inode(accepted);
      handed = inode > 0 ? takeEndpoints(inode) : null;
      if (inode != actual || !maps.hasSocket(actual)) {
        throw new BpfException(
            "the getpeername hook did not register an accepted test socket (slot inode " + inode
                + ", socket inode " + actual + ")");
      }
      if (handed == null || handed.localPort() != port || handed.remotePort() == 0) {
        throw new BpfException("the getpeername hook did not hand back the accepted test connection");
      }
    } catch (RuntimeException e) {
      describeAcceptedInKernel(false);
      throw e;
    } finally {
      forget(maps, netns, inode, handed);
      forget(maps, netns, clientInode, clientEndpoints);
      for (int fd : new int[] {client, accepted, listener}) {
        if (fd >= 0) {
          SocketCalls.closeNative(fd);
        }
      }
    }
  }

  /** Binds native socket {@code fd} to a loopback port and listens on it; returns the port. */
  private static int listenOnLoopback(int fd) {
    int port = fd < 0 ? -1 : SocketCalls.bindLoopbackV4(fd);
    if (port <= 0 || !SocketCalls.listen(fd, 1)) {
      throw new BpfException("cannot open a test listener");
    }
    return port;
  }

  /** Removes a test connection's entries (127.0.0.1:localPort to 127.0.0.1:port) from the maps. */
  private static void forgetLoopbackConnection(
      SocketMaps maps, long netns, long inode, int localPort, int port) {
    if (inode <= 0) {
      return;
    }
    maps.removeSocket(inode);
    if (localPort > 0) {
      byte[] loopback = new byte[16];
      loopback[0] = 127;
      loopback[3] = 1;
      maps.removeTupleIfOwned(
          netns,
          Endpoints.of(SocketCalls.AF_INET, loopback, localPort, loopback, port)
              .toEntry(inode, ProcSockets.IPPROTO_TCP));
    }
  }

  private static void forget(SocketMaps maps, long netns, long inode, Handoff tuple) {
    if (inode > 0) {
      maps.removeSocket(inode);
      if (tuple != null && tuple.connected()) {
        maps.removeTupleIfOwned(netns, tuple.endpoints().toEntry(inode, ProcSockets.IPPROTO_TCP));
      }
    }
  }

  private static int slot(int tid) {
    return (tid & (SLOTS - 1)) * SLOT_SIZE;
  }
}
