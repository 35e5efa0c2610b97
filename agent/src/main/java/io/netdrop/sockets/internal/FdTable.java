package io.netdrop.sockets.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * File descriptor number → value, for the per-I/O lookup: reads take no lock and allocate
 * nothing (two array loads). Storage grows in chunks of {@value #CHUNK} slots as higher
 * descriptors appear, under a lock that only writers take.
 *
 * @param <T> the value type
 */
public final class FdTable<T> {
  static final int CHUNK_BITS = 10;
  static final int CHUNK = 1 << CHUNK_BITS;

  private volatile AtomicReferenceArray<T>[] chunks;

  @SuppressWarnings("unchecked")
  public FdTable() {
    chunks = new AtomicReferenceArray[0];
  }

  /** The value at {@code fd}, or null. */
  public T get(int fd) {
    if (fd < 0) {
      return null;
    }
    AtomicReferenceArray<T>[] c = chunks;
    int i = fd >>> CHUNK_BITS;
    if (i >= c.length) {
      return null;
    }
    AtomicReferenceArray<T> chunk = c[i];
    return chunk == null ? null : chunk.getAcquire(fd & (CHUNK - 1));
  }

  /** Stores {@code value} at {@code fd} (ignored for a negative fd). */
  public void set(int fd, T value) {
    if (fd >= 0) {
      chunk(fd).setRelease(fd & (CHUNK - 1), value);
    }
  }

  /** Clears {@code fd} if it still holds {@code expected}. */
  public void clear(int fd, T expected) {
    T current = get(fd);
    if (current == expected && current != null) {
      chunk(fd).compareAndSet(fd & (CHUNK - 1), expected, null);
    }
  }

  private AtomicReferenceArray<T> chunk(int fd) {
    int i = fd >>> CHUNK_BITS;
    AtomicReferenceArray<T>[] c = chunks;
    if (i < c.length && c[i] != null) {
      return c[i];
    }
    synchronized (this) {
      c = chunks;
      if (i >= c.length) {
        c = java.util.Arrays.copyOf(c, Math.max(i + 1, c.length * 2));
      }
      if (c[i] == null) {
        c[i] = new AtomicReferenceArray<>(CHUNK);
      }
      chunks = c; // republished: readers see the new chunk through the volatile array
      return c[i];
    }
  }
}
