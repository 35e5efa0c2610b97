package io.netdrop.drops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MonotonicClockTest {

  @Test
  void mapsNanoTimeToNowWithinMilliseconds() {
    MonotonicClock clock = MonotonicClock.create();
    Instant before = Instant.now();
    Instant mapped = clock.toInstant(System.nanoTime());
    Instant after = Instant.now();
    assertTrue(!mapped.isBefore(before.minusMillis(5)) && !mapped.isAfter(after.plusMillis(5)),
        before + " <= " + mapped + " <= " + after);
  }

  @Test
  void appliesAFixedOffsetExactly() {
    long offset = Instant.parse("2026-11-25T15:40:00Z").getEpochSecond() * 1_000_000_000L;
    MonotonicClock clock = MonotonicClock.withOffset(offset);
    assertEquals(Instant.parse("2026-11-25T15:40:01.123456789Z"), clock.toInstant(1_123_456_789L));
    assertEquals(Duration.ofNanos(-1), Duration.between(clock.toInstant(0), clock.toInstant(-1)));
    assertEquals(offset, clock.offsetNanos());
  }
}
