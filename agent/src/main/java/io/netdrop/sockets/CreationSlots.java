package io.netdrop.sockets;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.MappedRegion;
import io.netdrop.bpf.sys.ThreadIds;
import io.netdrop.sockets.internal.SocketCalls;
import java.nio.ByteBuffer;
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
 * and a write to an unmapped page would crash the JVM. It holds 64 KiB and keeps the map alive
 * until the JVM exits.
 */
public final class CreationSlots {
  /** {@code ND_CREATING_SLOTS} of bpf/netdrop.h. */
  public static final int SLOTS = 4096;
  /** {@code sizeof(struct nd_creating)}. */
  static final int SLOT_SIZE = 48;
  private static final int TID = 0;
  private static final int ARMED = 4;
  private static final int INODE = 8;
  private static final int BOUND_INODE = 16;
  private static final int BOUND_PORT = 24;
  private static final int BOUND_FAMILY = 26;
  private static final int BOUND_ADDR = 32;

  private final ByteBuffer slots;

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
    int tid = ThreadIds.current();
    if (tid == ThreadIds.NONE) {
      return false;
    }
    int slot = slot(tid);
    slots.putInt(slot + TID, tid);
    slots.putLong(slot + INODE, 0);
    slots.putInt(slot + ARMED, 1);
    return true;
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
   * If the kernel registered the port of socket {@code inode} in the {@code ports} map during
   * this thread's last bind() ({@code nd_post_bind4/6}), writes the bound local address into
   * {@code sockaddr} as getsockname() would ({@code struct sockaddr_in} or {@code sockaddr_in6},
   * at least 28 bytes) and returns true; the agent then makes neither call. Forgets the answer.
   */
  public boolean takeBound(long inode, byte[] sockaddr) {
    int tid = ThreadIds.current();
    if (tid == ThreadIds.NONE) {
      return false;
    }
    int slot = slot(tid);
    if (slots.getInt(slot + TID) != tid || slots.getLong(slot + BOUND_INODE) != inode) {
      return false;
    }
    int port = Short.toUnsignedInt(slots.getShort(slot + BOUND_PORT));
    int family = Short.toUnsignedInt(slots.getShort(slot + BOUND_FAMILY));
    java.util.Arrays.fill(sockaddr, (byte) 0);
    ByteBuffer.wrap(sockaddr).order(java.nio.ByteOrder.nativeOrder()).putShort(0, (short) family);
    sockaddr[2] = (byte) (port >>> 8);
    sockaddr[3] = (byte) port;
    if (family == SocketCalls.AF_INET) {
      slots.get(slot + BOUND_ADDR, sockaddr, 4, 4);
    } else {
      slots.get(slot + BOUND_ADDR, sockaddr, 8, 16);
    }
    slots.putLong(slot + BOUND_INODE, 0);
    // A colliding thread that armed meanwhile wrote its tid first (see arm()).
    return slots.getInt(slot + TID) == tid
        && (family == SocketCalls.AF_INET || family == SocketCalls.AF_INET6);
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
      byte[] bound = new byte[SocketCalls.SOCKADDR_SIZE];
      if (!takeBound(actual, bound) || SocketCalls.port(bound) != port) {
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
      port = listener < 0 ? -1 : SocketCalls.bindLoopbackV4(listener);
      if (port <= 0 || !SocketCalls.listen(listener, 1)) {
        throw new BpfException("cannot open a test listener");
      }
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
      if (client >= 0) {
        SocketCalls.closeNative(client);
      }
      if (inode > 0) {
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
    }
  }

  private static int slot(int tid) {
    return (tid & (SLOTS - 1)) * SLOT_SIZE;
  }
}
