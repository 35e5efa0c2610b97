package io.netdrop.sockets.internal;

import java.util.Arrays;

/**
 * A set of {@code long}s without boxing, for the once-a-second scans: {@link #clear()} keeps the
 * storage, so a scan that refills the same set allocates nothing once it has grown to fit. Not
 * thread-safe. Iterate with {@link #slots()}, {@link #occupied(int)} and {@link #at(int)}.
 */
public final class LongSet {
  private static final int MIN_SLOTS = 16;

  private long[] keys = new long[MIN_SLOTS];
  private boolean[] used = new boolean[MIN_SLOTS];
  private int size;

  /** Adds {@code value}; whether it was not there yet. */
  public boolean add(long value) {
    if ((size + 1) * 4 > keys.length * 3) {
      grow();
    }
    int mask = keys.length - 1;
    for (int i = slot(value, mask); ; i = (i + 1) & mask) {
      if (!used[i]) {
        used[i] = true;
        keys[i] = value;
        size++;
        return true;
      }
      if (keys[i] == value) {
        return false;
      }
    }
  }

  /** Whether {@code value} is in the set. */
  public boolean contains(long value) {
    int mask = keys.length - 1;
    for (int i = slot(value, mask); used[i]; i = (i + 1) & mask) {
      if (keys[i] == value) {
        return true;
      }
    }
    return false;
  }

  /** Removes {@code value}; whether it was there. */
  public boolean remove(long value) {
    int mask = keys.length - 1;
    int i = slot(value, mask);
    while (used[i] && keys[i] != value) {
      i = (i + 1) & mask;
    }
    if (!used[i]) {
      return false;
    }
    // Backward-shift deletion: later entries of the same probe run move up, so no tombstones.
    int hole = i;
    for (int j = (i + 1) & mask; used[j]; j = (j + 1) & mask) {
      int home = slot(keys[j], mask);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = keys[j];
        hole = j;
      }
    }
    used[hole] = false;
    size--;
    return true;
  }

  /** Empties the set, keeping its storage. */
  public void clear() {
    if (size > 0) {
      Arrays.fill(used, false);
      size = 0;
    }
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The number of slots to iterate over; only {@link #occupied} ones hold a value. */
  public int slots() {
    return keys.length;
  }

  public boolean occupied(int slot) {
    return used[slot];
  }

  public long at(int slot) {
    return keys[slot];
  }

  private void grow() {
    long[] oldKeys = keys;
    boolean[] oldUsed = used;
    keys = new long[oldKeys.length * 2];
    used = new boolean[oldKeys.length * 2];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldUsed[i]) {
        add(oldKeys[i]);
      }
    }
  }

  private static int slot(long value, int mask) {
    long h = value * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
