package io.netdrop.sockets;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.BpfProgram;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.MappedRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The agent's half of {@code nd_release} (bpf/netdrop.bpf.c): the {@code releasing} array, mapped
 * into this JVM, and the program that removes what it lists. A batch of closed sockets' tuples and
 * ports is written into the mapping (no system call) and released by one BPF_PROG_TEST_RUN per
 * {@link #SLOTS} entries; the kernel removes each entry only while it still maps to its socket.
 *
 * <p>Thread-safe: one batch is written and run at a time. The mapping (256 KiB) is never unmapped,
 * as for {@link CreationSlots}: it lives as long as the JVM.
 */
public final class KernelRelease {
  /** {@code ND_RELEASE_SLOTS} of bpf/netdrop.h. */
  public static final int SLOTS = 4096;
  /** {@code sizeof(struct nd_release)}. */
  static final int ENTRY_SIZE = 64;
  /** {@code ND_RELEASE_TUPLE} and {@code ND_RELEASE_PORT}. */
  static final int KIND_TUPLE = 1;
  static final int KIND_PORT = 2;
  private static final int INODE = 0;
  private static final int KIND = 8;
  private static final int KEY = 16;

  private final ByteBuffer entries;
  private final BpfProgram program;
  /** struct nd_release_args: {count, _pad}. */
  private final byte[] args = new byte[8];
  private long runs;

  private KernelRelease(MappedRegion region, BpfProgram program) {
    this.entries = region.buffer();
    this.program = program;
  }

  /**
   * Maps {@code releasing} read-write for {@code program} ({@code nd_release}). Throws {@link
   * BpfException} if the map is not the mmapable array of {@link #SLOTS} {@code struct nd_release}
   * the program declares.
   */
  public static KernelRelease map(BpfMap releasing, BpfProgram program) {
    if (releasing.type() != BpfConstants.MAP_TYPE_ARRAY
        || releasing.valueSize() != ENTRY_SIZE
        || releasing.maxEntries() != SLOTS) {
      throw new BpfException(
          "map '" + releasing.name() + "' is not an array of " + SLOTS + " x " + ENTRY_SIZE
              + " bytes (type " + releasing.type() + ", " + releasing.maxEntries() + " x "
              + releasing.valueSize() + ")");
    }
    return new KernelRelease(
        MappedRegion.map(
            releasing.fd(), (long) SLOTS * ENTRY_SIZE, true, 0, "map '" + releasing.name() + "'"),
        program);
  }

  /**
   * Removes the first {@code count} entries of {@code batch} from the kernel maps, each only while
   * it still maps to its socket: one run of {@code nd_release} per {@link #SLOTS} entries. Returns
   * how many were removed.
   *
   * @throws io.netdrop.bpf.BpfSyscallException if the kernel refuses a run; entries of earlier
   *     runs are then removed, the rest not
   */
  synchronized int release(SocketMaps.Releases batch) {
    int removed = 0;
    int n = 0;
    for (int i = 0; i < batch.size(); i++) {
      int at = n * ENTRY_SIZE;
      byte[] key = batch.key(i);
      entries.putLong(at + INODE, batch.inode(i));
      entries.putInt(at + KIND, batch.kind(i));
      entries.put(at + KEY, key, 0, key.length);
      if (++n == SLOTS) {
        removed += run(n);
        n = 0;
      }
    }
    return n > 0 ? removed + run(n) : removed;
  }

  private int run(int count) {
    ByteBuffer.wrap(args).order(ByteOrder.nativeOrder()).putInt(0, count);
    runs++;
    return program.run(args);
  }

  /** Runs of {@code nd_release} so far (one per fill of the array). */
  synchronized long runs() {
    return runs;
  }

  /**
   * Proves the program on this kernel with keys no socket has (network namespace 0): of two tuples
   * and a port written for this check, the one whose owner differs must stay and the others go.
   *
   * @throws BpfException naming what did not happen
   */
  void verify(BpfMap tuples, BpfMap ports) {
    byte[] lo = new byte[16];
    lo[0] = 127;
    lo[3] = 1;
    SocketEntry owned = new SocketEntry(-2, ProcSockets.IPPROTO_TCP, 2, lo, 1, lo, 2, 0);
    SocketEntry taken = new SocketEntry(-3, ProcSockets.IPPROTO_TCP, 2, lo, 3, lo, 4, 0);
    byte[] ownedKey = SocketMaps.tupleKey(0, owned);
    byte[] takenKey = SocketMaps.tupleKey(0, taken);
    byte[] portKey = SocketMaps.portKey(0, ProcSockets.IPPROTO_TCP, 1);
    try {
      tuples.update(ownedKey, SocketMaps.longKey(-2), 0);
      tuples.update(takenKey, SocketMaps.longKey(-4), 0); // a newer socket's
      ports.update(portKey, SocketMaps.longKey(-2), 0);
      SocketMaps.Releases batch = new SocketMaps.Releases();
      batch.tuple(0, owned);
      batch.tuple(0, taken);
      batch.port(0, ProcSockets.IPPROTO_TCP, 1, -2);
      int removed = release(batch);
      byte[] value = new byte[8];
      if (removed != 2
          || tuples.lookup(ownedKey, value)
          || ports.lookup(portKey, value)
          || !tuples.lookup(takenKey, value)) {
        throw new BpfException(
            "nd_release did not release as asked (" + removed + " of 2 removed, the newer socket's"
                + " tuple " + (tuples.lookup(takenKey, value) ? "kept" : "removed") + ")");
      }
    } finally {
      tuples.delete(ownedKey);
      tuples.delete(takenKey);
      ports.delete(portKey);
    }
  }
}
