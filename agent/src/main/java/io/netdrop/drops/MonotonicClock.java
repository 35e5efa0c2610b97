package io.netdrop.drops;

import java.time.Instant;

/**
 * Converts {@code bpf_ktime_get_ns()} timestamps (CLOCK_MONOTONIC) to wall-clock instants. On Linux
 * HotSpot {@link System#nanoTime()} reads the same clock, so a single offset {@code wall -
 * nanoTime}, sampled once, maps one to the other. The mapping does not follow later wall-clock
 * steps (NTP, settimeofday); create a new clock to resynchronise. Immutable and thread-safe.
 */
public final class MonotonicClock {

  private static final int SAMPLES = 5;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long wallMinusMonotonic;

  private MonotonicClock(long wallMinusMonotonic) {
    this.wallMinusMonotonic = wallMinusMonotonic;
  }

  /**
   * Samples the offset between the wall clock and the monotonic clock a few times and keeps the
   * sample bracketed most tightly by its two {@code nanoTime} reads (least disturbed by a
   * preemption or a safepoint).
   */
  public static MonotonicClock create() {
    long best = 0;
    long bestGap = Long.MAX_VALUE;
    for (int i = 0; i < SAMPLES; i++) {
      long before = System.nanoTime();
      Instant wall = Instant.now();
      long after = System.nanoTime();
      long gap = after - before;
      if (gap < bestGap) {
        bestGap = gap;
        long wallNanos = wall.getEpochSecond() * NANOS_PER_SECOND + wall.getNano();
        best = wallNanos - (before + gap / 2);
      }
    }
    return new MonotonicClock(best);
  }

  /**
   * A clock with a fixed offset, for replaying recorded events and for tests.
   *
   * @param wallMinusMonotonicNanos epoch nanoseconds minus CLOCK_MONOTONIC nanoseconds
   */
  public static MonotonicClock withOffset(long wallMinusMonotonicNanos) {
    return new MonotonicClock(wallMinusMonotonicNanos);
  }

  /** The wall-clock instant of a CLOCK_MONOTONIC timestamp in nanoseconds. */
  public Instant toInstant(long monotonicNanos) {
    long epochNanos = monotonicNanos + wallMinusMonotonic;
    return Instant.ofEpochSecond(
        Math.floorDiv(epochNanos, NANOS_PER_SECOND), Math.floorMod(epochNanos, NANOS_PER_SECOND));
  }

  /** Epoch nanoseconds minus CLOCK_MONOTONIC nanoseconds. */
  public long offsetNanos() {
    return wallMinusMonotonic;
  }
}
