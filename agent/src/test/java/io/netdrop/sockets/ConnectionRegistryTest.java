package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.sockets.ConnectionRecord.Role;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionRegistryTest {

  private static ConnectionRecord record(long inode) {
    return new ConnectionRecord(inode, SocketEvents.TCP, Role.CLIENT, "com.acme.C", "main", inode);
  }

  private static Endpoints v4(int localPort, int remotePort) {
    byte[] lo = new byte[16];
    lo[0] = 127;
    lo[3] = 1;
    return Endpoints.of(InetText.AF_INET, lo, localPort, lo, remotePort);
  }

  @Test
  void findsRecordsByInodeAndNothingElse() {
    ConnectionRegistry registry = ConnectionRegistry.create(10);
    ConnectionRecord a = record(41822);
    assertNull(registry.add(a));
    assertSame(a, registry.find(41822));
    assertNull(registry.find(41823));
    assertNull(registry.find(0));
    assertTrue(registry.holds(41822));
  }

  @Test
  void evictsTheOldestClosedRecordWhenFull() {
    ConnectionRegistry registry = ConnectionRegistry.create(3);
    ConnectionRecord a = record(1);
    ConnectionRecord b = record(2);
    ConnectionRecord c = record(3);
    registry.add(a);
    registry.add(b);
    registry.add(c);
    registry.close(b, 10);
    registry.close(a, 20);
    assertSame(b, registry.add(record(4)), "b closed first");
    assertNull(registry.find(2));
    assertSame(a, registry.find(1));
    assertEquals(3, registry.size());
  }

  @Test
  void closingBeyondTheClosedCapacityHandsBackTheOldestClosedRecord() {
    ConnectionRegistry registry = ConnectionRegistry.create(10, 2);
    ConnectionRecord open = record(1);
    ConnectionRecord a = record(2);
    ConnectionRecord b = record(3);
    ConnectionRecord c = record(4);
    for (ConnectionRecord r : List.of(open, a, b, c)) {
      registry.add(r);
    }
    assertNull(registry.close(a, 10));
    assertNull(registry.close(b, 20));
    assertSame(a, registry.close(c, 30), "a closed first");
    assertNull(registry.find(2));
    assertSame(b, registry.find(3));
    assertSame(open, registry.find(1));
    assertEquals(2, registry.closedCount());
    assertEquals(3, registry.size());
    assertEquals(List.of(b, c), registry.expire(30));
  }

  @Test
  void rejectsNewSocketsWhenEveryRecordIsOpen() {
    ConnectionRegistry registry = ConnectionRegistry.create(2);
    registry.add(record(1));
    registry.add(record(2));
    ConnectionRecord third = record(3);
    assertSame(third, registry.add(third));
    assertNull(registry.find(3));
    assertEquals(1, registry.rejected());
  }

  @Test
  void expiresOnlyRecordsClosedAtOrBeforeTheCutoff() {
    ConnectionRegistry registry = ConnectionRegistry.create(10);
    ConnectionRecord a = record(1);
    ConnectionRecord b = record(2);
    registry.add(a);
    registry.add(b);
    registry.add(record(3));
    registry.close(a, 100);
    registry.close(b, 200);
    assertEquals(List.of(a), registry.expire(150));
    assertNull(registry.find(1));
    assertSame(b, registry.find(2));
    assertEquals(List.of(b), registry.expire(200));
    assertEquals(1, registry.size());
    assertEquals(0, registry.closedCount());
  }

  @Test
  void aReusedInodeReplacesTheClosedRecordAndHandsItBack() {
    ConnectionRegistry registry = ConnectionRegistry.create(10);
    ConnectionRecord old = record(7);
    registry.add(old);
    registry.close(old, 5);
    ConnectionRecord fresh = record(7);
    assertSame(old, registry.add(fresh));
    assertSame(fresh, registry.find(7));
    assertEquals(0, registry.closedCount());
    assertEquals(1, registry.size());
  }

  @Test
  void keepsFindingRecordsThroughGrowthAndTombstones() {
    ConnectionRegistry registry = ConnectionRegistry.create(100_000);
    for (long i = 1; i <= 20_000; i++) {
      registry.add(record(i));
    }
    for (long i = 1; i <= 20_000; i += 2) {
      registry.close(registry.find(i), i);
    }
    registry.expire(Long.MAX_VALUE - 1);
    for (long i = 1; i <= 20_000; i++) {
      assertEquals(i % 2 == 0, registry.find(i) != null, "inode " + i);
    }
    assertEquals(10_000, registry.size());
  }

  @Test
  void rejectsNonPositiveCapacityAndInodes() {
    assertThrows(IllegalArgumentException.class, () -> ConnectionRegistry.create(0));
    assertThrows(IllegalArgumentException.class, () -> ConnectionRegistry.create(10, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> record(0));
    assertTrue(e.getMessage().contains("inode"), e.getMessage());
  }

  @Test
  void lookupAllocatesNothing() {
    ConnectionRegistry registry = ConnectionRegistry.create(1000);
    for (long i = 1; i <= 500; i++) {
      registry.add(record(i * 7919));
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int i = 0; i < 200_000; i++) { // warm up into compiled code
      ConnectionRecord r = registry.find((i % 600) * 7919L);
      sink += r == null ? 0 : 1;
    }
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 1_000_000; i++) {
      ConnectionRecord r = registry.find((i % 600) * 7919L);
      sink += r == null ? 0 : 1;
    }
    long allocated = mx.getThreadAllocatedBytes(tid) - before;
    assertTrue(sink > 0);
    assertTrue(allocated < 1024, "1,000,000 lookups allocated " + allocated + " bytes");
  }

  @Test
  void concurrentReadersAlwaysFindStableRecordsWhileOthersComeAndGo() throws Exception {
    ConnectionRegistry registry = ConnectionRegistry.create(100_000);
    for (long i = 1; i <= 1000; i++) {
      registry.add(record(i));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong misses = new AtomicLong();
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread reader = new Thread(() -> {
        long i = 0;
        while (!stop.get()) {
          long inode = 1 + (i++ % 1000);
          if (registry.find(inode) == null) {
            misses.incrementAndGet();
          }
        }
      });
      reader.start();
      readers.add(reader);
    }
    long next = 1_000_000;
    for (int round = 0; round < 50_000; round++) {
      ConnectionRecord r = record(next++);
      registry.add(r);
      registry.close(r, round);
      registry.expire(round - 100);
    }
    stop.set(true);
    for (Thread reader : readers) {
      reader.join();
    }
    assertEquals(0, misses.get(), "stable records missed during churn (growth, tombstones, rehash)");
    assertEquals(1000 + 100, registry.size(), "stable ones plus the last 100 closed");
  }

  @Test
  void heapPerConnectionIsWithinTheDocumentedEstimate() {
    int n = 50_000;
    ConnectionRegistry registry = ConnectionRegistry.create(n);
    long before = usedHeap();
    for (int i = 1; i <= n; i++) {
      ConnectionRecord r = record(i);
      r.endpoints(v4(40_000 + (i % 20_000), 8443));
      registry.add(r);
    }
    long after = usedHeap();
    assertNotNull(registry.find(n));
    double perConnection = (after - before) / (double) n;
    System.out.printf("registry heap per connection: %.0f bytes%n", perConnection);
    assertTrue(perConnection <= ConnectionRegistry.BYTES_PER_CONNECTION * 1.2,
        "measured " + perConnection + " bytes per connection");
    assertTrue(perConnection > 60, "implausibly small estimate " + perConnection);
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
