package io.netdrop.bpf.sys;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * BPF_MAP_{LOOKUP,UPDATE,DELETE,LOOKUP_AND_DELETE}_ELEM for small keys and values, as cheap as the system call
 * itself: the attribute block, key and value live in one native scratch block per thread, written
 * through a direct {@link ByteBuffer} view, and {@code syscall} is direct-mapped ({@link DirectSyscall}).
 * The agent calls this on the application's threads when a socket opens; the general path
 * ({@link Bpf#invoke}, with native allocations for the attribute block, key and value) is kept
 * for everything else.
 */
public final class ElementCall {
  /** Largest key this path takes; bigger ones go through {@link Bpf#invoke}. */
  public static final int MAX_KEY = 64;
  /** Largest value this path takes. */
  public static final int MAX_VALUE = 128;

  private static final int KEY = 64;
  private static final int VALUE = KEY + MAX_KEY;
  private static final int SIZE = VALUE + MAX_VALUE;
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private ElementCall() {}

  /** Whether {@link #invoke} takes a map with these sizes. */
  public static boolean fits(int keySize, int valueSize) {
    return keySize <= MAX_KEY && valueSize <= MAX_VALUE;
  }

  /**
   * Runs one element command on map {@code mapFd}: copies {@code key} and (for updates) {@code
   * value} in, and for a successful lookup copies the value back into {@code value}. Returns 0 or
   * {@code -errno}.
   */
  public static long invoke(int cmd, int mapFd, byte[] key, byte[] value, long flags) {
    Scratch s = SCRATCH.get();
    ByteBuffer b = s.view;
    b.putInt(Bpf.MapElem.MAP_FD, mapFd);
    b.putInt(Bpf.MapElem.MAP_FD + 4, 0);
    b.putLong(Bpf.MapElem.KEY, s.address + KEY);
    b.putLong(Bpf.MapElem.VALUE_OR_NEXT_KEY, value == null ? 0 : s.address + VALUE);
    b.putLong(Bpf.MapElem.FLAGS, flags);
    b.put(KEY, key, 0, key.length);
    if (value != null && cmd == Bpf.MAP_UPDATE_ELEM) {
      b.put(VALUE, value, 0, value.length);
    }
    long result = DirectSyscall.call(Arch.current().bpfSyscall(), cmd, s.address, Bpf.MapElem.SIZE);
    if (result < 0) {
      return result;
    }
    if (result == 0
        && value != null
        && (cmd == Bpf.MAP_LOOKUP_ELEM || cmd == Bpf.MAP_LOOKUP_AND_DELETE_ELEM)) {
      b.get(VALUE, value, 0, value.length);
    }
    return result;
  }

  /** One thread's native block; freed with the thread's ThreadLocal. */
  private static final class Scratch {
    final Memory memory = new Memory(SIZE);
    final long address = Pointer.nativeValue(memory);
    final ByteBuffer view = memory.getByteBuffer(0, SIZE).order(ByteOrder.nativeOrder());

    Scratch() {
      memory.clear();
    }
  }
}
