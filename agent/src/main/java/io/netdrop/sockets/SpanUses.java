package io.netdrop.sockets;

/**
 * The last few trace spans that used one connection, each with the time of its first use
 * (precise) and its last use (to the registry's coarse use clock). A drop at kernel time T belongs
 * to the span that began using the connection last at or before T: {@link #at(long)}.
 *
 * <p>Bounded: {@value #SLOTS} spans, the oldest overwritten. Writers are the application's
 * threads; a span that is already the newest costs one compare and, once per use-clock tick, one
 * store. A new span takes the lock (once per span and connection). Readers take the lock.
 */
public final class SpanUses {
  /** Spans remembered per connection. */
  public static final int SLOTS = 4;

  private final Object[] spans = new Object[SLOTS];
  private final long[] firstUse = new long[SLOTS];
  private final long[] lastUse = new long[SLOTS];
  private volatile int newest = -1;

  /** One remembered use: the span and when it first and last used the connection. */
  public record Use(Object span, long firstNanos, long lastNanos) {}

  /**
   * Notes that {@code span} (a value of {@code source}) used the connection; {@code tick} is the
   * coarse clock, {@code nanos} supplies the precise time, read only when the span is new to this
   * connection. The first object seen for a span is kept: {@link #at} returns the same object for
   * every drop on the span's watch.
   */
  void used(Object span, CurrentSpan source, long tick, java.util.function.LongSupplier nanos) {
    int i = newest;
    Object last = i >= 0 ? spans[i] : null;
    if (last != null && (last == span || source.same(last, span))) {
      if (lastUse[i] != tick) {
        lastUse[i] = tick;
      }
      return;
    }
    long now = nanos.getAsLong();
    synchronized (this) {
      int next = (newest + 1) % SLOTS;
      spans[next] = span;
      firstUse[next] = now;
      lastUse[next] = Math.max(now, tick);
      newest = next;
    }
  }

  /**
   * Replaces each remembered span by what {@code source} keeps of it once the connection has
   * closed ({@link CurrentSpan#settle}); the times stay. A span the source cannot settle stays.
   */
  public synchronized void settle(CurrentSpan source) {
    for (int i = 0; i < SLOTS; i++) {
      Object span = spans[i];
      if (span != null) {
        try {
          spans[i] = source.settle(span);
        } catch (RuntimeException | LinkageError e) {
          // kept whole: a few hundred bytes more until the record expires
        }
      }
    }
  }

  /**
   * The span that began using the connection last at or before {@code nanos} (CLOCK_MONOTONIC),
   * or null if none did.
   */
  public synchronized Use at(long nanos) {
    int n = newest;
    if (n < 0) {
      return null;
    }
    for (int k = 0; k < SLOTS; k++) {
      int i = Math.floorMod(n - k, SLOTS);
      Object span = spans[i];
      if (span != null && firstUse[i] - nanos <= 0) {
        return new Use(span, firstUse[i], Math.max(firstUse[i], lastUse[i]));
      }
    }
    return null;
  }

  /** The newest use, or null if no span used the connection. */
  public synchronized Use newest() {
    int n = newest;
    return n < 0 ? null : new Use(spans[n], firstUse[n], Math.max(firstUse[n], lastUse[n]));
  }
}
