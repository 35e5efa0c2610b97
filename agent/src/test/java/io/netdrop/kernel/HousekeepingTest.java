package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HousekeepingTest {
  /** The calling thread's nice value: field 19 of /proc/thread-self/stat. */
  private static int ownNice() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(fields[16]); // fields from the state (3rd) on: nice is the 19th
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aHousekeepingThreadRunsItsTaskAtNiceTenAndLeavesItsCreatorAlone() throws Exception {
    int creator = ownNice();
    AtomicInteger seen = new AtomicInteger(Integer.MIN_VALUE);
    Thread t = Housekeeping.thread(() -> seen.set(ownNice()), "netdrop-test-housekeeping");
    assertTrue(t.isDaemon());
    t.start();
    t.join(10_000);
    assertEquals(Housekeeping.NICE, seen.get());
    assertEquals(creator, ownNice());
  }

  @Test
  void anExecutorOfHousekeepingThreadsRunsEveryTaskAtNiceTen() throws Exception {
    ExecutorService executor = Executors.newSingleThreadScheduledExecutor(Housekeeping.factory("netdrop-test"));
    try {
      assertEquals(Housekeeping.NICE, executor.submit(HousekeepingTest::ownNice).get(10, TimeUnit.SECONDS));
      assertEquals("netdrop-test", executor.submit(() -> Thread.currentThread().getName()).get());
    } finally {
      executor.shutdownNow();
    }
  }
}
