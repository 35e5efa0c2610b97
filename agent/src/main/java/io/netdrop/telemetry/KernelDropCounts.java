package io.netdrop.telemetry;

import io.netdrop.drops.DropTotals;
import io.netdrop.kernel.DropReasons;
import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.Endpoints;
import io.netdrop.sockets.InetText;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@link DropCounts} from the kernel's {@code counts} and {@code stats} maps ({@link DropTotals}),
 * the listeners' overflow counts, and the registry for what kind of socket each count is of.
 *
 * <p>A socket's kind is taken once, the first time its counts are seen ({@link #classify}, run
 * every second), while the registry still holds it, and kept until its counts retire from the
 * kernel map into per-kind totals: so each series only grows, closed sockets included.
 */
public final class KernelDropCounts implements DropCounts {
  /** Kind of a socket that netdrop never described (one only the /proc scan saw, say). */
  static final Key UNKNOWN = new Key(null, null, null, 0);

  private final DropTotals totals;
  private final DropReasons reasons;
  private final ConnectionRegistry registry;
  private final Map<Long, Long> overflows;
  private final LongSupplier sockets;
  private final LongSupplier programs;
  private final Supplier<Map<String, Long>> mapEntries;
  /** The kind (reason left null) of each socket with counts in the kernel map. */
  private final Map<Long, Key> kinds = new ConcurrentHashMap<>();

  /**
   * @param overflows listen-queue overflows per listener inode (reason {@code LISTEN_OVERFLOW})
   * @param sockets how many sockets netdrop tracks
   * @param programs how many programs are attached
   * @param mapEntries entries per kernel hash map (see {@link DropCounts#mapEntries()})
   */
  public KernelDropCounts(
      DropTotals totals, DropReasons reasons, ConnectionRegistry registry, Map<Long, Long> overflows,
      LongSupplier sockets, LongSupplier programs, Supplier<Map<String, Long>> mapEntries) {
    this.totals = Objects.requireNonNull(totals, "totals");
    this.reasons = Objects.requireNonNull(reasons, "reasons");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.overflows = Objects.requireNonNull(overflows, "overflows");
    this.sockets = Objects.requireNonNull(sockets, "sockets");
    this.programs = Objects.requireNonNull(programs, "programs");
    this.mapEntries = Objects.requireNonNull(mapEntries, "mapEntries");
  }

  /** Notes the kind of every socket with counts that has none yet. */
  public void classify() {
    for (DropTotals.Key k : totals.counts().keySet()) {
      kindOf(k.socketInode());
    }
    for (Long inode : overflows.keySet()) {
      kindOf(inode);
    }
  }

  /**
   * Retires the counts of sockets for which {@code keep} is false into per-kind totals (see {@link
   * DropTotals#retire(LongPredicate, java.util.function.LongFunction)}).
   */
  public void retire(LongPredicate keep) {
    classify();
    totals.retire(keep, inode -> {
      Key kind = kinds.remove(inode);
      return kind == null ? UNKNOWN : kind;
    });
  }

  private Key kindOf(long inode) {
    Key known = kinds.get(inode);
    if (known != null) {
      return known;
    }
    ConnectionRecord r = registry.find(inode);
    if (r == null) {
      return UNKNOWN; // not cached: the registry may describe it later
    }
    Key kind = kind(r);
    kinds.put(inode, kind);
    return kind;
  }

  static Key kind(ConnectionRecord r) {
    int p = r.protocol();
    String transport = p == 6 ? "tcp" : p == 17 ? "udp" : null;
    Endpoints e = r.endpoints();
    String type = null;
    int port = 0;
    if (e != null) {
      boolean mapped = e.family() == InetText.AF_INET6 && (InetText.isV4Mapped(e.localAddress()) || InetText.isV4Mapped(e.remoteAddress()));
      type = e.family() == InetText.AF_INET || mapped ? "ipv4" : e.family() == InetText.AF_INET6 ? "ipv6" : null;
      boolean listening = r.role() == ConnectionRecord.Role.LISTENER
          || (r.role() == ConnectionRecord.Role.UDP && e.remotePort() == 0);
      port = listening ? e.localPort() : 0;
    }
    return new Key(null, transport, type, port);
  }

  @Override
  public Map<Key, Long> dropped() {
    Map<Key, Long> out = new HashMap<>();
    for (Map.Entry<DropTotals.Key, Long> e : totals.counts().entrySet()) {
      add(out, reasons.name(e.getKey().reason()), kindOf(e.getKey().socketInode()), e.getValue());
    }
    for (Map.Entry<DropTotals.Retired, Long> e : totals.retiredByGroup().entrySet()) {
      Object group = e.getKey().group();
      add(out, reasons.name(e.getKey().reason()), group instanceof Key k ? k : UNKNOWN, e.getValue());
    }
    for (Map.Entry<Long, Long> e : overflows.entrySet()) {
      add(out, io.netdrop.drops.OverflowFormatter.REASON, kindOf(e.getKey()), e.getValue());
    }
    return out;
  }

  private static void add(Map<Key, Long> out, String reason, Key kind, long n) {
    out.merge(new Key(reason, kind.transport(), kind.networkType(), kind.localPort()), n, Long::sum);
  }

  @Override
  public long heldBack() {
    return totals.stat(DropTotals.RATE_LIMITED);
  }

  @Override
  public long lost() {
    return totals.stat(DropTotals.RINGBUF_FULL);
  }

  @Override
  public long socketsTracked() {
    return sockets.getAsLong();
  }

  @Override
  public long programsLoaded() {
    return programs.getAsLong();
  }

  @Override
  public Map<String, Long> mapEntries() {
    return mapEntries.get();
  }
}
