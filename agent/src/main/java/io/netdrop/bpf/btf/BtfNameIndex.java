package io.netdrop.bpf.btf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Finds types by essential name without decoding every name: entries are (hash, id) pairs packed
 * into one sorted long array, and callers confirm a hit by comparing the decoded name.
 */
final class BtfNameIndex {
  private static final int[] NONE = new int[0];

  private final long[] entries; // (hash << 32) | id, sorted

  private BtfNameIndex(long[] entries) {
    this.entries = entries;
  }

  static BtfNameIndex build(Btf btf) {
    int count = btf.typeCount();
    long[] entries = new long[count];
    int n = 0;
    for (int id = 1; id <= count; id++) {
      long nameOff = btf.nameOffset(id);
      if (!btf.isEmptyString(nameOff)) {
        entries[n++] = ((long) btf.essentialNameHash(nameOff) << 32) | id;
      }
    }
    long[] sorted = Arrays.copyOf(entries, n);
    Arrays.sort(sorted);
    return new BtfNameIndex(sorted);
  }

  /** Ids whose essential name hashes like {@code essentialName}; may include hash collisions. */
  int[] idsWithEssentialName(String essentialName) {
    long key = (long) hash(essentialName) << 32;
    int lo = lowerBound(key);
    int hi = lo;
    while (hi < entries.length && (entries[hi] & 0xffffffff00000000L) == key) {
      hi++;
    }
    if (hi == lo) {
      return NONE;
    }
    int[] ids = new int[hi - lo];
    for (int i = lo; i < hi; i++) {
      ids[i - lo] = (int) entries[i];
    }
    return ids;
  }

  private int lowerBound(long key) {
    int lo = 0;
    int hi = entries.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (entries[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  static int hash(String essentialName) {
    int h = 0;
    for (byte b : essentialName.getBytes(StandardCharsets.UTF_8)) {
      h = 31 * h + (b & 0xff);
    }
    return h;
  }
}
