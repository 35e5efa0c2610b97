package io.netdrop.telemetry;

import java.util.Map;

/**
 * The exact numbers behind netdrop's metrics: drops counted in the kernel, never sampled from
 * events, and the agent's health. Every value is cumulative since netdrop started.
 */
public interface DropCounts {
  /**
   * One series of {@link TelemetryNames#METRIC_DROPPED}: the kernel's reason, and what kind of
   * socket dropped — transport and network type (null if unknown) and, for a listener or an
   * unconnected UDP socket only, its local port (0 otherwise), so the series stay few.
   */
  record Key(String reason, String transport, String networkType, int localPort) {}

  /** Drops by series, exact: the kernel's counts of live and closed sockets. */
  Map<Key, Long> dropped();

  /** Drop events the kernel program's rate limit held back (still in {@link #dropped}). */
  long heldBack();

  /** Drop events lost to a full ring buffer (still in {@link #dropped}). */
  long lost();

  /** Sockets of this JVM netdrop tracks now. */
  long socketsTracked();

  /** BPF programs attached now. */
  long programsLoaded();

  /**
   * Entries in each of the kernel program's hash maps now, by map name ({@code sockets},
   * {@code ports}, {@code tuples}, {@code counts}): what bounds netdrop's kernel memory, and what a
   * soak watches for leaks. Empty when unknown.
   */
  default Map<String, Long> mapEntries() {
    return Map.of();
  }
}
