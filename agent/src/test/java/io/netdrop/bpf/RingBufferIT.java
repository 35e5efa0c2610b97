package io.netdrop.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.sys.BpfConstants;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Needs root and BPF ring buffers (5.8+). A socket filter run with BPF_PROG_TEST_RUN produces
 * the records: each is a u64 sequence number from an array map counter plus a u32 magic, so a
 * record takes 8 (header) + 12 bytes, rounded to 24, and a 4096-byte ring holds 170 of them.
 */
class RingBufferIT {
  private static final int RING_SIZE = 4096;
  private static final int RECORD_LENGTH = 12;
  private static final int RECORDS_PER_RING = RING_SIZE / 24;
  private static final int MAGIC = 0x5a5aa5a5;
  private static final byte[] PACKET = new byte[64];

  private BpfMap counter;
  private BpfMap events;
  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @BeforeEach
  void createMaps() {
    counter = BpfMap.create("seq", BpfConstants.MAP_TYPE_ARRAY, 4, 8, 1, 0);
    events = BpfMap.create("events", BpfConstants.MAP_TYPE_RINGBUF, 0, 0, RING_SIZE, 0);
  }

  @AfterEach
  void closeMaps() {
    executor.shutdownNow();
    events.close();
    counter.close();
  }

  /** seq = counter[0]++; bpf_ringbuf_output(&events, {seq, MAGIC}, 12, flags); return 0. */
  private BpfProgram producer(long flags) {
    byte[] insns = new Asm()
        .movImm(Asm.R1, 0)
        .stxW(Asm.R10, -4, Asm.R1)
        .movReg(Asm.R2, Asm.R10)
        .addImm(Asm.R2, -4)
        .ldMapFd(Asm.R1, counter.fd())
        .call(BpfConstants.FUNC_MAP_LOOKUP_ELEM)
        .jeqImm(Asm.R0, 0, 14)
        .ldxDw(Asm.R1, Asm.R0, 0)
        .movReg(Asm.R2, Asm.R1)
        .addImm(Asm.R2, 1)
        .stxDw(Asm.R0, 0, Asm.R2)
        .stxDw(Asm.R10, -16, Asm.R1)
        .movImm(Asm.R3, MAGIC)
        .stxW(Asm.R10, -8, Asm.R3)
        .ldMapFd(Asm.R1, events.fd())
        .movReg(Asm.R2, Asm.R10)
        .addImm(Asm.R2, -16)
        .movImm(Asm.R3, RECORD_LENGTH)
        .movImm(Asm.R4, (int) flags)
        .call(BpfConstants.FUNC_RINGBUF_OUTPUT)
        .movImm(Asm.R0, 0)
        .exit()
        .bytes();
    return BpfProgram.load("rb_producer", BpfConstants.PROG_TYPE_SOCKET_FILTER, 0, insns,
        "Dual BSD/GPL", 0);
  }

  /** Collects (sequence number) of each record after checking its length and magic. */
  private static RecordHandler collectInto(List<Long> sequences) {
    return (data, offset, length) -> {
      assertEquals(RECORD_LENGTH, length);
      assertEquals(0, offset % 8, "records are 8-byte aligned");
      assertEquals(MAGIC, data.getInt(offset + 8));
      sequences.add(data.getLong(offset));
    };
  }

  @Test
  void deliversRecordsInOrderAcrossManyWrapArounds() {
    try (BpfProgram prog = producer(0); RingBuffer ring = new RingBuffer(events)) {
      List<Long> seen = new ArrayList<>();
      int total = 0;
      for (int batch = 0; batch < 40; batch++) {
        prog.testRun(PACKET, 100);
        int handled = ring.drain(collectInto(seen));
        assertEquals(100, handled);
        total += handled;
      }
      assertEquals(4000, total);
      assertTrue(total * 24L > 20L * RING_SIZE, "ring wrapped many times");
      for (int i = 0; i < seen.size(); i++) {
        assertEquals(i, seen.get(i));
      }
      assertEquals(0, ring.available());
    }
  }

  @Test
  void fullRingDropsNewRecordsUntilDrained() {
    try (BpfProgram prog = producer(0); RingBuffer ring = new RingBuffer(events)) {
      prog.testRun(PACKET, 300);
      List<Long> seen = new ArrayList<>();
      assertEquals(RECORDS_PER_RING, ring.drain(collectInto(seen)));
      assertEquals(0L, seen.get(0));
      assertEquals(RECORDS_PER_RING - 1L, seen.get(seen.size() - 1));

      prog.testRun(PACKET, 10);
      seen.clear();
      assertEquals(10, ring.drain(collectInto(seen)));
      assertEquals(300L, seen.get(0), "records after the drain continue the sequence");
    }
  }

  @Test
  void pollTimesOutWithZeroWhenEmpty() {
    try (RingBuffer ring = new RingBuffer(events)) {
      long start = System.nanoTime();
      int handled = ring.poll(150, (data, offset, length) -> {
        throw new AssertionError("no records expected");
      });
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(0, handled);
      assertTrue(elapsedMillis >= 100, "returned after " + elapsedMillis + " ms");
      assertEquals(0, ring.poll(0, (data, offset, length) -> { }));
    }
  }

  @Test
  void pollReturnsAvailableRecordsWithoutWaiting() {
    try (BpfProgram prog = producer(BpfConstants.BPF_RB_NO_WAKEUP); RingBuffer ring = new RingBuffer(events)) {
      prog.testRun(PACKET, 5);
      List<Long> seen = new ArrayList<>();
      assertEquals(5, ring.poll(10_000, collectInto(seen)));
      assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seen);
    }
  }

  @Test
  void blockedPollWakesWhenProducerForcesWakeup() throws Exception {
    try (BpfProgram prog = producer(BpfConstants.BPF_RB_FORCE_WAKEUP);
        RingBuffer ring = new RingBuffer(events)) {
      List<Long> seen = new ArrayList<>();
      CountDownLatch polling = new CountDownLatch(1);
      Future<Integer> poller = executor.submit(() -> {
        polling.countDown();
        return ring.poll(20_000, collectInto(seen));
      });
      polling.await();
      Thread.sleep(200); // let the poller block in epoll_wait
      long start = System.nanoTime();
      prog.testRun(PACKET, 3);
      int handled = poller.get(5, TimeUnit.SECONDS);
      assertTrue(handled >= 1, "handled " + handled);
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000);
      assertEquals(0L, seen.get(0));
    }
  }

  @Test
  void closeWakesBlockedPollAndLaterCallsFail() throws Exception {
    RingBuffer ring = new RingBuffer(events);
    CountDownLatch polling = new CountDownLatch(1);
    Future<Integer> poller = executor.submit(() -> {
      polling.countDown();
      return ring.poll(30_000, (data, offset, length) -> { });
    });
    polling.await();
    Thread.sleep(200);
    ring.close();
    assertEquals(0, poller.get(5, TimeUnit.SECONDS));
    ring.close();
    BpfException e = assertThrows(BpfException.class, () -> ring.drain((d, o, l) -> { }));
    assertEquals("ring buffer 'events' is closed", e.getMessage());
  }

  @Test
  void handlerExceptionConsumesTheFailingRecordAndPropagates() {
    try (BpfProgram prog = producer(0); RingBuffer ring = new RingBuffer(events)) {
      prog.testRun(PACKET, 3);
      assertThrows(IllegalStateException.class, () -> ring.drain((data, offset, length) -> {
        if (data.getLong(offset) == 1) {
          throw new IllegalStateException("boom");
        }
      }));
      List<Long> seen = new ArrayList<>();
      assertEquals(1, ring.drain(collectInto(seen)));
      assertEquals(List.of(2L), seen);
    }
  }

  @Test
  void handlerMayCloseTheRingBuffer() {
    try (BpfProgram prog = producer(0)) {
      RingBuffer ring = new RingBuffer(events);
      prog.testRun(PACKET, 5);
      List<Long> seen = new ArrayList<>();
      RecordHandler closeAfterFirst = (data, offset, length) -> {
        seen.add(data.getLong(offset));
        ring.close();
      };
      assertEquals(1, ring.drain(closeAfterFirst));
      assertEquals(List.of(0L), seen);
      assertTrue(ring.isClosed());
      assertThrows(BpfException.class, () -> ring.drain(closeAfterFirst));
    }
  }

  @Test
  void drainAllocatesNothingPerRecord() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long[] sum = new long[1];
    RecordHandler summing = (data, offset, length) -> sum[0] += data.getLong(offset);
    try (BpfProgram prog = producer(BpfConstants.BPF_RB_NO_WAKEUP); RingBuffer ring = new RingBuffer(events)) {
      for (int warmup = 0; warmup < 200; warmup++) {
        prog.testRun(PACKET, 150);
        ring.drain(summing);
      }
      prog.testRun(PACKET, 150);
      long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
      int handled = ring.drain(summing);
      long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
      assertEquals(150, handled);
      assertTrue(allocated < 150, "drain of 150 records allocated " + allocated + " bytes");
    }
  }

  @Test
  void rejectsMapsThatAreNotRingBuffers() {
    BpfException e = assertThrows(BpfException.class, () -> new RingBuffer(counter));
    assertTrue(e.getMessage().contains("map 'seq' has type 2"), e.getMessage());
  }

  @Test
  void handlerCannotWriteIntoTheReadOnlyMapping() {
    try (BpfProgram prog = producer(0); RingBuffer ring = new RingBuffer(events)) {
      prog.testRun(PACKET, 1);
      assertThrows(java.nio.ReadOnlyBufferException.class,
          () -> ring.drain((data, offset, length) -> data.putInt(offset, 0)));
    }
  }
}
