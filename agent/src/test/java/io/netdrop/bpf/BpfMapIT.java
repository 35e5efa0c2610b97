package io.netdrop.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Needs root (CAP_BPF) and a kernel with BPF maps; ring buffers need 5.8+. */
class BpfMapIT {
  private static byte[] u32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
  }

  private static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
  }

  private static long asLong(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong();
  }

  @Test
  void hashMapStoresLooksUpListsAndDeletes() {
    try (BpfMap map = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 8, 64, 0)) {
      assertTrue(map.fd() > 0);
      for (long k = 1; k <= 5; k++) {
        map.update(u64(k), u64(k * 100), BpfConstants.BPF_ANY);
      }
      byte[] value = new byte[8];
      assertTrue(map.lookup(u64(3), value));
      assertEquals(300, asLong(value));
      assertFalse(map.lookup(u64(42), value));

      Set<Long> keys = new HashSet<>();
      map.keys().forEach(k -> keys.add(asLong(k)));
      assertEquals(Set.of(1L, 2L, 3L, 4L, 5L), keys);

      assertTrue(map.delete(u64(3)));
      assertFalse(map.delete(u64(3)));
      assertFalse(map.lookup(u64(3), value));
      assertEquals(4, map.keys().size());
    }
  }

  @Test
  void failedCallsAndKeyWalksCreateNoGarbagePerCall() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    try (BpfMap map = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 8, 4096, 0)) {
      for (long k = 1; k <= 2000; k++) {
        map.update(u64(k), u64(k), BpfConstants.BPF_ANY);
      }
      byte[] absent = u64(42_000);
      byte[] value = new byte[8];
      for (int warm = 0; warm < 2000; warm++) {
        map.lookup(absent, value);
      }
      for (int warm = 0; warm < 20; warm++) {
        map.count();
      }
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 1000; i++) {
        assertFalse(map.lookup(absent, value)); // ENOENT: once an exception with a stack trace each
      }
      long misses = threads.getCurrentThreadAllocatedBytes() - before;
      before = threads.getCurrentThreadAllocatedBytes();
      assertEquals(2000, map.count());
      long walk = threads.getCurrentThreadAllocatedBytes() - before;
      assertTrue(misses < 16 * 1024, "1,000 lookups of an absent key allocated " + misses + " bytes");
      assertTrue(walk < 16 * 1024, "a walk of 2,000 keys allocated " + walk + " bytes");
    }
  }

  @Test
  void countIsTheNumberOfKeysAndFollowsDeletes() {
    try (BpfMap map = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 8, 300, 0)) {
      assertEquals(0, map.count());
      for (long k = 1; k <= 257; k++) {
        map.update(u64(k), u64(k), 0);
      }
      assertEquals(257, map.count());
      assertTrue(map.delete(u64(100)));
      assertEquals(256, map.count());
    }
  }

  @Test
  void deleteBatchRemovesManyKeysInOneCallAndSkipsAbsentOnes() {
    try (BpfMap map = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 8, 64, 0)) {
      for (long k = 1; k <= 5; k++) {
        map.update(u64(k), u64(k), 0);
      }
      map.update(u64(42), u64(42), 0);
      // Key 9 is absent, in the middle of the batch: the kernel stops there and the rest still go.
      long[] keys = {1, 2, 9, 3, 4, 5};
      byte[] packed = new byte[keys.length * 8];
      for (int i = 0; i < keys.length; i++) {
        System.arraycopy(u64(keys[i]), 0, packed, i * 8, 8);
      }
      assertEquals(5, map.deleteBatch(packed, keys.length));
      assertEquals(1, map.keys().size(), "only the key outside the batch is left");
      assertTrue(map.lookup(u64(42), new byte[8]));
      assertEquals(0, map.deleteBatch(packed, 2), "deleting again removes nothing");
    }
  }

  @Test
  void updateFlagsReportKernelErrnoNamingTheMap() {
    try (BpfMap map = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 8, 8, 0)) {
      map.update(u64(1), u64(1), BpfConstants.BPF_NOEXIST);
      BpfSyscallException exists = assertThrows(BpfSyscallException.class,
          () -> map.update(u64(1), u64(2), BpfConstants.BPF_NOEXIST));
      assertEquals(Errno.EEXIST, exists.errno());
      assertEquals("BPF_MAP_UPDATE_ELEM", exists.command());
      assertEquals("bpf(BPF_MAP_UPDATE_ELEM) for map 'sockets' failed: EEXIST (File exists)",
          exists.getMessage());
      BpfSyscallException absent = assertThrows(BpfSyscallException.class,
          () -> map.update(u64(2), u64(2), BpfConstants.BPF_EXIST));
      assertEquals(Errno.ENOENT, absent.errno());
    }
  }

  @Test
  void lruHashEvictsOldEntriesInsteadOfFailing() {
    try (BpfMap map = BpfMap.create("lru", BpfConstants.MAP_TYPE_LRU_HASH, 4, 4, 16, 0)) {
      for (int k = 0; k < 200; k++) {
        map.update(u32(k), u32(k), BpfConstants.BPF_ANY);
      }
      List<byte[]> keys = map.keys();
      assertTrue(keys.size() <= 16, "LRU map holds " + keys.size() + " > max_entries");
      byte[] value = new byte[4];
      assertTrue(map.lookup(u32(199), value), "most recent insert must survive");
      assertArrayEquals(u32(199), value);
    }
  }

  @Test
  void arrayMapHasEveryIndexAndRefusesDelete() {
    try (BpfMap map = BpfMap.create("config", BpfConstants.MAP_TYPE_ARRAY, 4, 16, 4, 0)) {
      assertEquals(4, map.keys().size());
      byte[] value = new byte[16];
      assertTrue(map.lookup(u32(2), value));
      assertArrayEquals(new byte[16], value);
      byte[] written = new byte[16];
      written[0] = 7;
      written[15] = 9;
      map.update(u32(2), written, BpfConstants.BPF_ANY);
      assertTrue(map.lookup(u32(2), value));
      assertArrayEquals(written, value);
      assertFalse(map.lookup(u32(4), value), "index past max_entries is absent");
      BpfSyscallException e = assertThrows(BpfSyscallException.class, () -> map.delete(u32(0)));
      assertEquals(Errno.EINVAL, e.errno());
    }
  }

  @Test
  void perCpuArrayHasOneValuePerPossibleCpuAndSums() {
    int cpus = PossibleCpus.count();
    try (BpfMap map = BpfMap.create("counters", BpfConstants.MAP_TYPE_PERCPU_ARRAY, 4, 8, 2, 0)) {
      ByteBuffer all = ByteBuffer.allocate(8 * cpus).order(ByteOrder.nativeOrder());
      long expected = 0;
      for (int cpu = 0; cpu < cpus; cpu++) {
        all.putLong(10L * (cpu + 1));
        expected += 10L * (cpu + 1);
      }
      map.update(u32(1), all.array(), BpfConstants.BPF_ANY);

      byte[][] values = map.lookupPerCpu(u32(1));
      assertEquals(cpus, values.length);
      for (int cpu = 0; cpu < cpus; cpu++) {
        assertEquals(10L * (cpu + 1), asLong(values[cpu]));
      }
      assertEquals(expected, map.sumPerCpuLong(1));
      assertEquals(0, map.sumPerCpuLong(0));
      assertNull(map.lookupPerCpu(u32(5)));
      assertThrows(BpfException.class, () -> map.sumPerCpuLong(2));
    }
  }

  @Test
  void perCpuValuesAreRoundedUpToEightBytesPerCpu() {
    int cpus = PossibleCpus.count();
    try (BpfMap map = BpfMap.create("small", BpfConstants.MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, 0)) {
      BpfException e = assertThrows(BpfException.class, () -> map.lookup(u32(0), new byte[4]));
      assertTrue(e.getMessage().contains("expects " + 8 * cpus), e.getMessage());
      byte[][] values = map.lookupPerCpu(u32(0));
      assertEquals(cpus, values.length);
      assertEquals(4, values[0].length);
    }
  }

  @Test
  void rejectsWrongKeyAndValueSizesBeforeTheSyscall() {
    try (BpfMap map = BpfMap.create("sockets", BpfConstants.MAP_TYPE_HASH, 8, 16, 4, 0)) {
      BpfException key = assertThrows(BpfException.class, () -> map.lookup(new byte[4], new byte[16]));
      assertEquals("key is 4 bytes, map 'sockets' expects 8", key.getMessage());
      BpfException value = assertThrows(BpfException.class,
          () -> map.update(new byte[8], new byte[8], 0));
      assertEquals("value is 8 bytes, map 'sockets' expects 16", value.getMessage());
      assertThrows(BpfException.class, () -> map.delete(null));
    }
  }

  @Test
  void closeIsIdempotentAndLaterUseFailsClearly() {
    BpfMap map = BpfMap.create("closing", BpfConstants.MAP_TYPE_HASH, 4, 4, 4, 0);
    map.close();
    map.close();
    assertTrue(map.isClosed());
    BpfException e = assertThrows(BpfException.class, () -> map.lookup(u32(1), new byte[4]));
    assertEquals("map 'closing' is closed", e.getMessage());
    assertThrows(BpfException.class, map::fd);
    assertThrows(BpfException.class, map::keys);
  }

  @Test
  void kernelRejectionNamesCommandMapAndErrno() {
    BpfSyscallException e = assertThrows(BpfSyscallException.class,
        () -> BpfMap.create("bad", BpfConstants.MAP_TYPE_HASH, 0, 8, 4, 0));
    assertEquals("bpf(BPF_MAP_CREATE) for map 'bad' failed: EINVAL (Invalid argument)",
        e.getMessage());
  }

  @Test
  void acceptsLongNamesByTruncatingForTheKernel() {
    try (BpfMap map = BpfMap.create("netdrop-socket-inodes", BpfConstants.MAP_TYPE_HASH, 8, 8, 4, 0)) {
      assertEquals("netdrop-socket-inodes", map.name());
    }
  }

  @Test
  void validatesRingBufferSizeBeforeTheSyscall() {
    BpfException notPow2 = assertThrows(BpfException.class,
        () -> BpfMap.create("events", BpfConstants.MAP_TYPE_RINGBUF, 0, 0, 12288, 0));
    assertTrue(notPow2.getMessage().contains("not a power of two"), notPow2.getMessage());
    BpfException notPage = assertThrows(BpfException.class,
        () -> BpfMap.create("events", BpfConstants.MAP_TYPE_RINGBUF, 0, 0, 1024, 0));
    assertTrue(notPage.getMessage().contains("multiple of the page size"), notPage.getMessage());
    try (BpfMap ring = BpfMap.create("events", BpfConstants.MAP_TYPE_RINGBUF, 0, 0, 1 << 16, 0)) {
      BpfException noElements = assertThrows(BpfException.class, ring::keys);
      assertTrue(noElements.getMessage().contains("ring buffer"), noElements.getMessage());
    }
  }
}
