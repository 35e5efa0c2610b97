package io.netdrop.drops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netdrop.kernel.DropReasons;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenOverflowCountsTest {
  private final Map<Long, Long> reported = new HashMap<>();
  private final ListenOverflowCounts counts = new ListenOverflowCounts(inode -> reported.getOrDefault(inode, 0L));

  @Test
  void skDropsGrowthWithoutReportedDropsIsAllRefusedSyns() {
    assertEquals(100, counts.refused(7, 100));
    assertEquals(5, counts.refused(7, 5));
  }

  @Test
  void dropsKfreeSkbAlreadyReportedOnTheListenerAreNotCountedAgain() {
    reported.put(7L, 30L);
    assertEquals(70, counts.refused(7, 100));
    reported.put(7L, 50L);
    assertEquals(0, counts.refused(7, 20), "all 20 were RSTs killing half-open connections");
    assertEquals(10, counts.refused(8, 10), "another listener");
  }

  @Test
  void aReportedDropWhoseSkDropsShareComesInTheNextPollNeverMakesTheCountGoDown() {
    reported.put(7L, 10L);
    assertEquals(0, counts.refused(7, 5), "the counts were read after sk_drops: 5 more reported than seen");
    assertEquals(1, counts.refused(7, 6), "the 5 arrive, and one refused SYN");
  }

  @Test
  void kernelCountsAreSummedOverTheReasonsThisKernelHas() {
    DropReasons reasons = DropReasons.fromEnumerators(Map.of("SKB_DROP_REASON_NOT_SPECIFIED", 2L, "SKB_DROP_REASON_TCP_FLAGS", 30L, "SKB_DROP_REASON_TCP_RESET", 45L), "test");
    Map<Integer, Long> kernel = Map.of(2, 3L, 30, 100L, 45, 4L);
    long sum = ListenOverflowCounts.fromKernelCounts(reasons, (inode, reason) -> kernel.getOrDefault(reason, 0L)).applyAsLong(7L);
    assertEquals(7, sum, "NOT_SPECIFIED and TCP_RESET, not TCP_FLAGS");
  }
}
