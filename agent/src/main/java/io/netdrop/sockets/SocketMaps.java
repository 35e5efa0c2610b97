package io.netdrop.sockets;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.BpfSyscallException;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * Writes this JVM's sockets into the kernel maps the drop program filters on: {@code sockets}
 * (inodes), {@code ports} (bound local ports), {@code tuples} (connections) and the
 * {@code port_hint} bitmap. Keys mirror {@code struct nd_port_key} / {@code struct nd_tuple_key}
 * of bpf/netdrop.h byte for byte.
 *
 * <p>Thread-safe: the kernel serialises map updates, and the hint bitmap is only ever OR-ed here
 * (a port's bit stays set once used; a stale bit only costs the kernel one hash lookup).
 */
public final class SocketMaps {
  /** IPPROTO_UDP, the {@code protocol} of a UDP port. */
  public static final int PROTOCOL_UDP = 17;
  static final int PORT_KEY_SIZE = 8;
  static final int TUPLE_KEY_SIZE = 44;
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final byte[] ONE = {1, 0, 0, 0};

  private final BpfMap sockets;
  private final BpfMap ports;
  private final BpfMap tuples;
  private final BpfMap portHint;
  private final Object hintLock = new Object();
  /** Cleared when the kernel refuses BPF_MAP_LOOKUP_AND_DELETE_ELEM on the tuples map. */
  private volatile boolean tupleLookupAndDelete = true;
  /** Releases batches in the kernel when set (see {@link #useKernelRelease}); null: per entry. */
  private volatile KernelRelease kernelRelease;
  /** Off: {@link #releaseOwned} takes the per-entry path even with {@link #kernelRelease} (tests). */
  private volatile boolean batchInKernel = true;
  private final long[] hintWords = new long[1024];

  public SocketMaps(BpfMap sockets, BpfMap ports, BpfMap tuples, BpfMap portHint) {
    this.sockets = sockets;
    this.ports = ports;
    this.tuples = tuples;
    this.portHint = portHint;
  }

  /** Marks {@code inode} as one of this JVM's sockets. */
  public void addSocket(long inode) {
    sockets.update(longKey(inode), ONE, 0);
  }

  /** Forgets {@code inode}; returns false if it was not there. */
  public boolean removeSocket(long inode) {
    return sockets.delete(longKey(inode));
  }

  /**
   * Removes the first {@code count} of {@code inodes} from {@code sockets} with one system call
   * (see {@link BpfMap#deleteBatch}); returns how many were there.
   */
  public int removeSockets(long[] inodes, int count) {
    byte[] keys = new byte[count * 8];
    ByteBuffer b = ByteBuffer.wrap(keys).order(ByteOrder.nativeOrder());
    for (int i = 0; i < count; i++) {
      b.putLong(i * 8, inodes[i]);
    }
    return sockets.deleteBatch(keys, count);
  }

  /** Whether the kernel map holds {@code inode} (the kernel adds connecting sockets itself). */
  public boolean hasSocket(long inode) {
    return sockets.lookup(longKey(inode), new byte[4]);
  }

  /** Registers a bound local port of ours in network namespace {@code netns}. */
  public void addPort(long netns, int protocol, int port, long inode) {
    hint(port);
    ports.update(portKey(netns, protocol, port), longKey(inode), 0);
  }

  /** Registers a connection of ours, seen from our side. IPv4-mapped IPv6 is stored as IPv4. */
  public void addTuple(long netns, SocketEntry e) {
    hint(e.localPort());
    tuples.update(tupleKey(netns, e), longKey(e.inode()), 0);
  }

  /**
   * Removes the port only while it still maps to {@code inode}: after a restart a new socket may
   * have bound the same port, and a closed socket's cleanup must not unregister it. (Lookup and
   * delete are two syscalls; a rebind exactly between them is not guarded.)
   */
  public boolean removePortIfOwned(long netns, int protocol, int port, long inode) {
    byte[] key = portKey(netns, protocol, port);
    return ownedBy(ports, key, inode) && ports.delete(key);
  }

  /**
   * Removes the tuple only while it still maps to {@code e.inode()}. Every closed connection ends
   * here once its grace period is over, so the common case (still ours) takes one system call,
   * BPF_MAP_LOOKUP_AND_DELETE_ELEM; a tuple a newer socket has taken meanwhile (the same four-tuple
   * within the grace period: rare) is put back unless the kernel re-added it in between. A kernel
   * without lookup-and-delete on hash maps (before 5.14) gets a lookup and a delete, as for ports.
   */
  public boolean removeTupleIfOwned(long netns, SocketEntry e) {
    return removeTupleIfOwned(tupleKey(netns, e), e.inode(), new byte[8]);
  }

  private boolean removeTupleIfOwned(byte[] key, long inode, byte[] value) {
    if (!tupleLookupAndDelete) {
      return ownedBy(tuples, key, inode) && tuples.delete(key);
    }
    try {
      if (!tuples.lookupAndDelete(key, value)) {
        return false;
      }
    } catch (BpfSyscallException ex) {
      if (ex.errno() != Errno.EINVAL && ex.errno() != Errno.ENOTSUPP && ex.errno() != Errno.EOPNOTSUPP) {
        throw ex;
      }
      tupleLookupAndDelete = false;
      return removeTupleIfOwned(key, inode, value);
    }
    if (ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(0) == inode) {
      return true;
    }
    try {
      tuples.update(key, value, BpfConstants.BPF_NOEXIST);
    } catch (BpfSyscallException ex) {
      if (ex.errno() != Errno.EEXIST) {
        throw ex;
      }
    }
    return false;
  }

  /**
   * Removes every tuple whose socket is neither kept by {@code keep} (open, or closed within the
   * grace period) nor registered in {@code sockets}, and returns how many it removed. The kernel adds
   * tuples by itself when one of our sockets connects (nd_sock_ops, nd_net_dev_queue); when the
   * connect fails the agent may never learn that tuple (the port is released with the failure, and
   * without the cgroup hooks no slot hands it over), so without this sweep it would stay until the
   * LRU map evicted it — and a full LRU map evicts live connections' tuples too. One walk of the map,
   * two or three system calls per entry.
   */
  public int sweepTuples(LongPredicate keep) {
    byte[] value = new byte[8];
    int removed = 0;
    for (byte[] key : tuples.keys()) {
      if (!tuples.lookup(key, value)) {
        continue;
      }
      long inode = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(0);
      if (!keep.test(inode) && !hasSocket(inode) && ownedBy(tuples, key, inode) && tuples.delete(key)) {
        removed++;
      }
    }
    return removed;
  }

  /**
   * Closed sockets' tuples and ports for {@link #releaseOwned}: keys with the socket each must still
   * belong to. Not thread-safe; reusable after {@link #clear()}.
   */
  public static final class Releases {
    private byte[][] keys = new byte[16][];
    private long[] inodes = new long[16];
    private int[] kinds = new int[16];
    private int size;

    /** Adds the tuple of connection {@code e} (owned by {@code e.inode()}). */
    public void tuple(long netns, SocketEntry e) {
      add(KernelRelease.KIND_TUPLE, tupleKey(netns, e), e.inode());
    }

    /** Adds a bound port owned by {@code inode}. */
    public void port(long netns, int protocol, int port, long inode) {
      add(KernelRelease.KIND_PORT, portKey(netns, protocol, port), inode);
    }

    private void add(int kind, byte[] key, long inode) {
      if (size == keys.length) {
        keys = Arrays.copyOf(keys, size * 2);
        inodes = Arrays.copyOf(inodes, size * 2);
        kinds = Arrays.copyOf(kinds, size * 2);
      }
      keys[size] = key;
      inodes[size] = inode;
      kinds[size] = kind;
      size++;
    }

    public int size() {
      return size;
    }

    /** Empties the batch for the next use. */
    public void clear() {
      Arrays.fill(keys, 0, size, null);
      size = 0;
    }

    byte[] key(int i) {
      return keys[i];
    }

    long inode(int i) {
      return inodes[i];
    }

    int kind(int i) {
      return kinds[i];
    }
  }

  /**
   * Proves {@code release} on this kernel (a round trip of test entries through this object's
   * {@code tuples} and {@code ports}, which must be the program's), then hands every batch of
   * {@link #releaseOwned} to the kernel's {@code nd_release}: one system call per batch (of up to
   * {@link KernelRelease#SLOTS} entries) instead of one or two per entry.
   *
   * @throws BpfException if the proof fails; batches then keep the per-entry path
   */
  public void useKernelRelease(KernelRelease release) {
    release.verify(tuples, ports);
    this.kernelRelease = release;
  }

  /** Whether {@link #releaseOwned} releases batches in the kernel. */
  public boolean releasesInKernel() {
    return kernelRelease != null && batchInKernel;
  }

  /** Forces the per-entry path of {@link #releaseOwned} (false), or allows the kernel's again. */
  void batchInKernel(boolean enabled) {
    this.batchInKernel = enabled;
  }

  /**
   * Removes every tuple and port of {@code batch} that still belongs to the socket given for it
   * (entries a newer socket has taken meanwhile stay), and returns how many it removed. With {@link
   * #useKernelRelease} the whole batch costs one system call per {@link KernelRelease#SLOTS}
   * entries; otherwise each entry costs one or two ({@link #removeTupleIfOwned}, {@link
   * #removePortIfOwned}). If the kernel refuses a batch run, this and every later batch take the
   * per-entry path; the refusal is thrown once the batch is released.
   */
  public int releaseOwned(Releases batch) {
    KernelRelease k = kernelRelease;
    if (k != null && batchInKernel) {
      try {
        return k.release(batch);
      } catch (BpfException e) {
        kernelRelease = null; // entries not yet released are taken below, one by one
        int removed = releaseEach(batch);
        throw new BpfException(
            "nd_release failed, closed connections are now released one system call each: "
                + e.getMessage() + " (" + removed + " released so)", e);
      }
    }
    return releaseEach(batch);
  }

  private int releaseEach(Releases batch) {
    byte[] value = new byte[8];
    int removed = 0;
    for (int i = 0; i < batch.size(); i++) {
      byte[] key = batch.key(i);
      boolean done =
          batch.kind(i) == KernelRelease.KIND_TUPLE
              ? removeTupleIfOwned(key, batch.inode(i), value)
              : ownedBy(ports, key, batch.inode(i)) && ports.delete(key);
      if (done) {
        removed++;
      }
    }
    return removed;
  }

  private static boolean ownedBy(BpfMap map, byte[] key, long inode) {
    byte[] value = new byte[8];
    return map.lookup(key, value)
        && ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(0) == inode;
  }

  private void hint(int port) {
    if (port <= 0 || port > 0xffff) {
      throw new BpfException("port " + port + " is out of range");
    }
    int word = port >>> 6;
    long bit = 1L << (port & 63);
    synchronized (hintLock) {
      // Bits are only ever set (here, and by the kernel for connect() tuples it learns), so a bit
      // in our copy is set in the kernel's too: a port seen before costs no system call.
      if ((hintWords[word] & bit) == 0) {
        byte[] key = intKey(word);
        byte[] value = new byte[8];
        portHint.lookup(key, value);
        long bits = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(0) | bit;
        portHint.update(key, longKey(bits | hintWords[word]), 0);
        hintWords[word] |= bits;
      }
    }
  }

  static byte[] portKey(long netns, int protocol, int port) {
    ByteBuffer b = ByteBuffer.allocate(PORT_KEY_SIZE).order(ByteOrder.nativeOrder());
    b.putInt((int) netns).putShort((short) port).put((byte) protocol).put((byte) 0);
    return b.array();
  }

  static byte[] tupleKey(long netns, SocketEntry e) {
    byte[] local = e.localAddress();
    byte[] remote = e.remoteAddress();
    int family = e.family();
    if (family == AF_INET6 && InetText.isV4Mapped(remote)) {
      // The kernel sees IPv4 packets for a dual-stack socket talking to a v4-mapped peer.
      family = AF_INET;
      local = InetText.isV4Mapped(local) ? Arrays.copyOfRange(local, 12, 16) : new byte[4];
      remote = Arrays.copyOfRange(remote, 12, 16);
    }
    ByteBuffer b = ByteBuffer.allocate(TUPLE_KEY_SIZE).order(ByteOrder.nativeOrder());
    b.putInt((int) netns).putShort((short) e.localPort()).putShort((short) e.remotePort());
    b.put((byte) e.protocol()).put((byte) family).putShort((short) 0);
    b.put(Arrays.copyOf(local, 16)).put(Arrays.copyOf(remote, 16));
    return b.array();
  }


  static byte[] longKey(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
  }

  private static byte[] intKey(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
  }
}
