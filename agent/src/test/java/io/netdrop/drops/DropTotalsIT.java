package io.netdrop.drops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.sys.BpfConstants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retiring closed sockets' counts on a real map shaped like `counts` (HASH, 16-byte key, u64). */
class DropTotalsIT {
  private static final int NO_SOCKET = 2;
  private static final int QUEUE_PURGE = 44;

  private final BpfMap counts = BpfMap.create("counts", BpfConstants.MAP_TYPE_HASH, 16, 8, 64, 0);
  private final BpfMap stats = BpfMap.create("stats", BpfConstants.MAP_TYPE_PERCPU_ARRAY, 4, 8, 8, 0);
  private final DropTotals totals = new DropTotals(counts, stats);

  @AfterEach
  void close() {
    counts.close();
    stats.close();
  }

  private void put(long inode, int reason, long n) {
    byte[] key = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(inode).putInt(reason).array();
    counts.update(key, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(n).array(), 0);
  }

  @Test
  void retiredSocketsLeaveTheMapAndTheirCountsAreKeptByReason() {
    put(100, NO_SOCKET, 3);
    put(100, QUEUE_PURGE, 1);
    put(200, QUEUE_PURGE, 5);
    put(300, NO_SOCKET, 7); // still open

    assertEquals(3, totals.retire(inode -> inode == 300));

    assertEquals(Map.of(new DropTotals.Key(300, NO_SOCKET), 7L), totals.counts());
    assertEquals(Map.of(NO_SOCKET, 3L, QUEUE_PURGE, 6L), totals.retired());
    assertEquals(2, totals.retiredSockets());
  }

  @Test
  void aFullMapHasRoomAgainOnceClosedSocketsAreRetired() {
    for (int i = 1; i <= 64; i++) {
      put(i, QUEUE_PURGE, 1);
    }
    assertFalse(tryPut(1000));
    totals.retire(inode -> false);
    assertTrue(tryPut(1000), "room for the next socket's count");
    assertEquals(Map.of(QUEUE_PURGE, 64L), totals.retired());
  }

  @Test
  void nothingToRetireIsNoChange() {
    put(1, NO_SOCKET, 1);
    assertEquals(0, totals.retire(inode -> true));
    assertEquals(Map.of(), totals.retired());
    assertEquals(1, totals.counts().size());
  }

  private boolean tryPut(long inode) {
    try {
      put(inode, QUEUE_PURGE, 1);
      return true;
    } catch (RuntimeException full) {
      return false;
    }
  }
}
