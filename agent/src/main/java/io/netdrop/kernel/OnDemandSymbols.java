package io.netdrop.kernel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Kernel symbols read only when a drop's location needs a name, and let go of again once no drop
 * has needed one for a while. The whole table ({@link KernelSymbols}: about 4 MB of heap for 120k
 * symbols) would otherwise stay for the JVM's life on a host where drops are rare; the few
 * locations drops happen at are remembered by name, so a steady stream of drops at the same
 * places does not read kallsyms again.
 *
 * <p>A failed read is not fatal: that address is answered in hex, and the next unknown address
 * tries again.
 */
public final class OnDemandSymbols implements Symbolizer {
  /** How long the table stays after its last use; a burst of drops reads kallsyms once. */
  public static final long DEFAULT_IDLE_MILLIS = 30_000;
  /** Locations remembered by name; drops come from a few dozen places in the kernel. */
  static final int REMEMBERED = 256;

  private final Supplier<KernelSymbols> loader;
  private final long idleNanos;
  private final LongSupplier clock;
  private final Map<Long, String> names =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
          return size() > REMEMBERED;
        }
      };
  private KernelSymbols table;
  private long lastUse;
  private int loads;

  /** Reads {@code /proc/kallsyms} when needed; keeps it {@link #DEFAULT_IDLE_MILLIS} after last use. */
  public static OnDemandSymbols kallsyms() {
    return new OnDemandSymbols(KernelSymbols::load, DEFAULT_IDLE_MILLIS, System::nanoTime);
  }

  /**
   * @param loader reads the whole table (may throw {@link KernelFormatException})
   * @param idleMillis how long the table stays after its last use before {@link #releaseIfIdle}
   *     lets go of it
   */
  public OnDemandSymbols(Supplier<KernelSymbols> loader, long idleMillis, LongSupplier clock) {
    this.loader = Objects.requireNonNull(loader, "loader");
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized String symbolize(long address) {
    String name = names.get(address);
    if (name != null) {
      return name;
    }
    lastUse = clock.getAsLong();
    if (table == null) {
      try {
        table = loader.get();
        loads++;
      } catch (RuntimeException e) {
        // Not remembered: the next drop here tries again, and may get the name.
        return "0x" + Long.toHexString(address);
      }
    }
    name = table.symbolize(address);
    names.put(address, name);
    return name;
  }

  /**
   * Lets go of the table if no address needed it for the idle time; call periodically.
   *
   * @return whether the table was let go of now
   */
  public synchronized boolean releaseIfIdle() {
    if (table != null && clock.getAsLong() - lastUse >= idleNanos) {
      table = null;
      return true;
    }
    return false;
  }

  /** Whether the whole table is in memory now. */
  public synchronized boolean loaded() {
    return table != null;
  }

  /** How many times the table was read so far. */
  public synchronized int loads() {
    return loads;
  }

  @Override
  public synchronized String toString() {
    return "OnDemandSymbols[" + (table == null ? "not loaded" : table.toString()) + ", "
        + names.size() + " locations remembered]";
  }
}
