package io.netdrop.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.netdrop.bpf.sys.Bpf;
import io.netdrop.bpf.sys.BpfAttr;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.ElementCall;
import io.netdrop.bpf.sys.Errno;
import io.netdrop.bpf.sys.KernelFd;
import io.netdrop.bpf.sys.Libc;
import io.netdrop.bpf.sys.ObjectNames;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A BPF map owned by this JVM (not pinned: it disappears when closed and no program uses it).
 * Element operations check array sizes against the map before any syscall. For per-CPU maps a
 * value array holds one slot per possible CPU, each {@code valueSize} rounded up to 8 bytes.
 * Thread-safe; after {@link #close()} every operation throws {@link BpfException}.
 */
public final class BpfMap implements AutoCloseable {
  /** Largest ring buffer we map: data is mapped twice, and a Java buffer is at most 2 GiB. */
  private static final long MAX_RINGBUF_SIZE = 1L << 29;

  private final KernelFd fd;
  private final String name;
  private final int type;
  private final int keySize;
  private final int valueSize;
  private final int maxEntries;
  private final String subject;
  private final Object walkLock = new Object();
  private WalkBuffers walk; // guarded by walkLock

  private BpfMap(int fd, String name, int type, int keySize, int valueSize, int maxEntries) {
    this.subject = "map '" + name + "'";
    this.fd = new KernelFd(fd, subject);
    this.name = name;
    this.type = type;
    this.keySize = keySize;
    this.valueSize = valueSize;
    this.maxEntries = maxEntries;
  }

  /**
   * Creates a map with BPF_MAP_CREATE. The kernel name is {@code name} cut to 15 characters of
   * {@code [A-Za-z0-9_.]}. A ring buffer ({@link BpfConstants#MAP_TYPE_RINGBUF}) takes key and
   * value size 0 and a {@code maxEntries} byte size that is a power of two and a multiple of the
   * page size. Throws {@link BpfException} for invalid arguments and {@link BpfSyscallException}
   * when the kernel refuses.
   */
  public static BpfMap create(
      String name, int type, int keySize, int valueSize, int maxEntries, int flags) {
    if (name == null || name.isEmpty()) {
      throw new BpfException("map name must not be empty");
    }
    String subject = "map '" + name + "'";
    if (keySize < 0 || valueSize < 0 || maxEntries <= 0) {
      throw new BpfException(
          subject
              + ": invalid sizes key="
              + keySize
              + " value="
              + valueSize
              + " max_entries="
              + maxEntries);
    }
    if (type == BpfConstants.MAP_TYPE_RINGBUF) {
      checkRingBufferSize(subject, keySize, valueSize, maxEntries);
    }
    BpfAttr attr = new BpfAttr(Bpf.MapCreate.SIZE);
    attr.putInt(Bpf.MapCreate.MAP_TYPE, type)
        .putInt(Bpf.MapCreate.KEY_SIZE, keySize)
        .putInt(Bpf.MapCreate.VALUE_SIZE, valueSize)
        .putInt(Bpf.MapCreate.MAX_ENTRIES, maxEntries)
        .putInt(Bpf.MapCreate.MAP_FLAGS, flags)
        .putName(Bpf.MapCreate.MAP_NAME, BpfConstants.OBJ_NAME_LEN, ObjectNames.kernelName(name));
    int fd = Bpf.call(Bpf.MAP_CREATE, attr, subject);
    return new BpfMap(fd, name, type, keySize, valueSize, maxEntries);
  }

  private static void checkRingBufferSize(String subject, int keySize, int valueSize, int size) {
    if (keySize != 0 || valueSize != 0) {
      throw new BpfException(
          "ring buffer " + subject + " must have key and value size 0, got " + keySize + "/" + valueSize);
    }
    int pageSize = Libc.getpagesize();
    if (Integer.bitCount(size) != 1) {
      throw new BpfException("ring buffer " + subject + " size " + size + " is not a power of two");
    }
    if (size % pageSize != 0) {
      throw new BpfException(
          "ring buffer " + subject + " size " + size + " is not a multiple of the page size " + pageSize);
    }
    if (size > MAX_RINGBUF_SIZE) {
      throw new BpfException(
          "ring buffer " + subject + " size " + size + " exceeds the supported " + MAX_RINGBUF_SIZE);
    }
  }

  /** The map's file descriptor; throws if closed. */
  public int fd() {
    return fd.get();
  }

  public String name() {
    return name;
  }

  public int type() {
    return type;
  }

  public int keySize() {
    return keySize;
  }

  public int valueSize() {
    return valueSize;
  }

  public int maxEntries() {
    return maxEntries;
  }

  /**
   * Copies the value stored under {@code key} into {@code value}; returns false if there is none.
   * {@code value} must be {@code valueSize} bytes, or the whole per-CPU size for per-CPU maps.
   */
  public boolean lookup(byte[] key, byte[] value) {
    checkKey(key);
    checkValue(value);
    if (ElementCall.fits(keySize, value.length)) {
      return fastOp(Bpf.MAP_LOOKUP_ELEM, key, value, 0, true);
    }
    Memory valueMem = new Memory(Math.max(1, value.length));
    if (!elementOp(Bpf.MAP_LOOKUP_ELEM, key, valueMem, 0, true)) {
      return false;
    }
    valueMem.read(0, value, 0, value.length);
    return true;
  }

  /**
   * Stores {@code value} under {@code key}. {@code flags}: {@link BpfConstants#BPF_ANY}, {@link
   * BpfConstants#BPF_NOEXIST} (fails with EEXIST if present) or {@link BpfConstants#BPF_EXIST}
   * (fails with ENOENT if absent).
   */
  public void update(byte[] key, byte[] value, long flags) {
    checkKey(key);
    checkValue(value);
    if (ElementCall.fits(keySize, value.length)) {
      fastOp(Bpf.MAP_UPDATE_ELEM, key, value, flags, false);
      return;
    }
    elementOp(Bpf.MAP_UPDATE_ELEM, key, BpfAttr.nativeCopy(value, value.length), flags, false);
  }

  /**
   * Copies the value under {@code key} into {@code value} and removes the key in one step (hash
   * maps, 5.14+), so a count the kernel adds meanwhile is never lost; returns false if absent.
   */
  public boolean lookupAndDelete(byte[] key, byte[] value) {
    checkKey(key);
    checkValue(value);
    if (!ElementCall.fits(keySize, value.length)) {
      throw new BpfException(subject + ": lookup-and-delete takes values up to " + ElementCall.MAX_VALUE + " bytes");
    }
    return fastOp(Bpf.MAP_LOOKUP_AND_DELETE_ELEM, key, value, 0, true);
  }

  /** Removes {@code key}; returns false if it was absent. Array maps refuse deletion (EINVAL). */
  public boolean delete(byte[] key) {
    checkKey(key);
    if (ElementCall.fits(keySize, 0)) {
      return fastOp(Bpf.MAP_DELETE_ELEM, key, null, 0, true);
    }
    return elementOp(Bpf.MAP_DELETE_ELEM, key, null, 0, true);
  }

  /**
   * Removes the first {@code count} keys of {@code keys} (laid out back to back, {@link #keySize()}
   * bytes each) with BPF_MAP_DELETE_BATCH: one system call for all of them instead of one each.
   * Keys already absent are skipped. A kernel without batch operations (before 5.6) gets one
   * delete per key. Returns how many keys were removed.
   */
  public int deleteBatch(byte[] keys, int count) {
    checkElements();
    if (count < 0 || (long) count * keySize > keys.length) {
      throw new IllegalArgumentException(
          subject + ": " + count + " keys of " + keySize + " bytes do not fit in " + keys.length);
    }
    if (count == 0) {
      return 0;
    }
    Memory all = BpfAttr.nativeCopy(keys, count * keySize);
    int removed = 0;
    int fdNum = fd.acquire();
    try {
      for (int next = 0; next < count; ) {
        BpfAttr attr = new BpfAttr(Bpf.MapBatch.SIZE);
        attr.putLong(Bpf.MapBatch.KEYS, Pointer.nativeValue(all) + (long) next * keySize)
            .putInt(Bpf.MapBatch.COUNT, count - next)
            .putInt(Bpf.MapBatch.MAP_FD, fdNum);
        long result = Bpf.invoke(Bpf.MAP_DELETE_BATCH, attr);
        // The kernel reports in `count` how many it deleted before it stopped.
        int done = Math.max(0, Math.min(attr.getInt(Bpf.MapBatch.COUNT), count - next));
        removed += done;
        next += done;
        if (result == 0) {
          break;
        } else if (result == -Errno.ENOENT) {
          next++; // that key was already gone: go on after it
        } else if (result == -Errno.EINVAL || result == -Errno.ENOTSUPP || result == -Errno.EOPNOTSUPP) {
          for (; next < count; next++) {
            byte[] key = Arrays.copyOfRange(keys, next * keySize, (next + 1) * keySize);
            removed += delete(key) ? 1 : 0;
          }
        } else {
          throw new BpfSyscallException("BPF_MAP_DELETE_BATCH", subject, (int) -result);
        }
      }
    } finally {
      fd.release();
      Reference.reachabilityFence(all);
    }
    return removed;
  }

  /**
   * All keys, by walking BPF_MAP_GET_NEXT_KEY. A map changing meanwhile may yield a key twice or
   * miss one; the walk stops after {@code maxEntries} keys so it always ends.
   */
  public List<byte[]> keys() {
    List<byte[]> keys = new ArrayList<>();
    walkKeys(key -> keys.add(key.getByteArray(0, keySize)));
    return keys;
  }

  /**
   * How many entries the map holds, by walking BPF_MAP_GET_NEXT_KEY without keeping the keys (the
   * kernel has no cheaper count). A map changing meanwhile may be miscounted by the keys added or
   * removed during the walk; the walk stops after {@code maxEntries} keys. Not for arrays, whose
   * every index always exists.
   */
  public int count() {
    return walkKeys(key -> {});
  }

  /**
   * Walks the keys with BPF_MAP_GET_NEXT_KEY through two native buffers in turn, handing each key
   * to {@code each} while it is valid (until the next step); returns how many were walked, at most
   * {@code maxEntries}.
   */
  private int walkKeys(java.util.function.Consumer<Memory> each) {
    checkElements();
    // Walks are periodic (the totals, the map gauges, the tuple sweep), so their native buffers are
    // the map's own, made once: a JNA Memory is tracked in a global map and cleaned through a
    // reference, and two per key (the next-key buffer and the attribute block) were most of the
    // agent's garbage between drops.
    synchronized (walkLock) {
      if (walk == null) {
        walk = new WalkBuffers(keySize);
      }
      Memory a = walk.a;
      Memory b = walk.b;
      BpfAttr attr = walk.attr;
      Memory current = null;
      int n = 0;
      int fdNum = fd.acquire();
      try {
        attr.putInt(Bpf.MapElem.MAP_FD, fdNum);
        while (n < maxEntries) {
          Memory next = current == a ? b : a;
          // Raw addresses: putPointer would list the buffers in the block again on every step.
          attr.putLong(Bpf.MapElem.KEY, current == null ? 0 : Pointer.nativeValue(current))
              .putLong(Bpf.MapElem.VALUE_OR_NEXT_KEY, Pointer.nativeValue(next));
          long result = Bpf.invoke(Bpf.MAP_GET_NEXT_KEY, attr);
          if (result == -Errno.ENOENT) {
            break;
          }
          if (result < 0) {
            throw new BpfSyscallException("BPF_MAP_GET_NEXT_KEY", subject, (int) -result);
          }
          each.accept(next);
          n++;
          current = next;
        }
      } finally {
        fd.release();
      }
      return n;
    }
  }

  /** The two key buffers and the attribute block of {@link #walkKeys}, kept for the map's life. */
  private static final class WalkBuffers {
    final Memory a;
    final Memory b;
    final BpfAttr attr = new BpfAttr(Bpf.MapElem.SIZE);

    WalkBuffers(int keySize) {
      a = new Memory(Math.max(1, keySize));
      b = new Memory(Math.max(1, keySize));
    }
  }

  /**
   * The per-CPU values under {@code key}: one array of {@code valueSize} bytes per possible CPU,
   * in CPU order, or null if the key is absent. Only for per-CPU map types.
   */
  public byte[][] lookupPerCpu(byte[] key) {
    requirePerCpu("lookupPerCpu");
    byte[] all = new byte[valueBufferSize()];
    if (!lookup(key, all)) {
      return null;
    }
    int stride = perCpuStride();
    byte[][] values = new byte[PossibleCpus.count()][];
    for (int cpu = 0; cpu < values.length; cpu++) {
      values[cpu] = Arrays.copyOfRange(all, cpu * stride, cpu * stride + valueSize);
    }
    return values;
  }

  /**
   * For a per-CPU array whose values start with a u64: the sum of that u64 over all CPUs at
   * {@code index} (wrapping like the kernel's counters).
   */
  public long sumPerCpuLong(int index) {
    requirePerCpu("sumPerCpuLong");
    if (type != BpfConstants.MAP_TYPE_PERCPU_ARRAY || keySize != 4 || valueSize < 8) {
      throw new BpfException(
          subject + " is not a per-CPU array of u64 (type " + type + ", key " + keySize
              + " bytes, value " + valueSize + " bytes)");
    }
    if (index < 0 || index >= maxEntries) {
      throw new BpfException(
          "index " + index + " out of range for " + subject + " (max_entries " + maxEntries + ")");
    }
    byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array();
    byte[] all = new byte[valueBufferSize()];
    if (!lookup(key, all)) {
      return 0;
    }
    ByteBuffer values = ByteBuffer.wrap(all).order(ByteOrder.nativeOrder());
    long sum = 0;
    for (int offset = 0; offset < all.length; offset += perCpuStride()) {
      sum += values.getLong(offset);
    }
    return sum;
  }

  /** Closes the map descriptor; idempotent. Programs already using the map keep it alive. */
  @Override
  public void close() {
    fd.close();
  }

  /** True once {@link #close()} has been called. */
  public boolean isClosed() {
    return fd.isClosed();
  }

  /** Bytes a lookup or update value must have: per-CPU maps hold one 8-aligned slot per CPU. */
  int valueBufferSize() {
    if (BpfConstants.isPerCpuMap(type)) {
      return perCpuStride() * PossibleCpus.count();
    }
    return valueSize;
  }

  private int perCpuStride() {
    return (valueSize + 7) & ~7;
  }

  /** {@link #elementOp} for small keys and values, without allocating (see {@link ElementCall}). */
  private boolean fastOp(int cmd, byte[] key, byte[] value, long flags, boolean absentIsFalse) {
    int fdNum = fd.acquire();
    try {
      return outcome(cmd, ElementCall.invoke(cmd, fdNum, key, value, flags), absentIsFalse);
    } finally {
      fd.release();
    }
  }

  /** True on success, false for ENOENT when {@code absentIsFalse}; throws for any other errno. */
  private boolean outcome(int cmd, long result, boolean absentIsFalse) {
    if (result == -Errno.ENOENT && absentIsFalse) {
      return false;
    }
    if (result < 0) {
      throw new BpfSyscallException(Bpf.commandName(cmd), subject, (int) -result);
    }
    return true;
  }

  private boolean elementOp(int cmd, byte[] key, Memory value, long flags, boolean absentIsFalse) {
    Memory keyMem = BpfAttr.nativeCopy(key, keySize);
    int fdNum = fd.acquire();
    try {
      BpfAttr attr = new BpfAttr(Bpf.MapElem.SIZE);
      attr.putInt(Bpf.MapElem.MAP_FD, fdNum)
          .putPointer(Bpf.MapElem.KEY, keyMem)
          .putPointer(Bpf.MapElem.VALUE_OR_NEXT_KEY, value)
          .putLong(Bpf.MapElem.FLAGS, flags);
      return outcome(cmd, Bpf.invoke(cmd, attr), absentIsFalse);
    } finally {
      fd.release();
    }
  }

  private void checkElements() {
    if (type == BpfConstants.MAP_TYPE_RINGBUF) {
      throw new BpfException(subject + " is a ring buffer: it has no elements (use RingBuffer)");
    }
    if (fd.isClosed()) {
      throw new BpfException(subject + " is closed");
    }
  }

  private void checkKey(byte[] key) {
    checkElements();
    if (key == null) {
      throw new BpfException("key is null, " + subject + " expects " + keySize + " bytes");
    }
    if (key.length != keySize) {
      throw new BpfException("key is " + key.length + " bytes, " + subject + " expects " + keySize);
    }
  }

  private void checkValue(byte[] value) {
    int expected = valueBufferSize();
    if (value == null) {
      throw new BpfException("value is null, " + subject + " expects " + expected + " bytes");
    }
    if (value.length != expected) {
      String perCpu =
          BpfConstants.isPerCpuMap(type)
              ? " (per-CPU: " + PossibleCpus.count() + " CPUs x " + perCpuStride() + ")"
              : "";
      throw new BpfException(
          "value is " + value.length + " bytes, " + subject + " expects " + expected + perCpu);
    }
  }

  private void requirePerCpu(String operation) {
    if (!BpfConstants.isPerCpuMap(type)) {
      throw new BpfException(operation + " needs a per-CPU map, " + subject + " has type " + type);
    }
  }
}
