package io.netdrop.drops;

import io.netdrop.bpf.BpfMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;

/**
 * The exact counts the kernel keeps: drops per (socket, reason) from the {@code counts} map (plus
 * those of sockets already retired from it), and the program's own counters from the per-CPU {@code stats} array (indexes are the
 * {@code ND_STAT_*} constants of bpf/netdrop.h).
 */
public final class DropTotals {
  /** ND_STAT_MATCHED: drops that were ours. */
  public static final int MATCHED = 0;
  /** ND_STAT_EVENTS: events written to the ring buffer. */
  public static final int EVENTS = 1;
  /** ND_STAT_RATE_LIMITED: events held back by the rate limit (still counted per key). */
  public static final int RATE_LIMITED = 2;
  /** ND_STAT_RINGBUF_FULL: events lost because the ring buffer was full (still counted). */
  public static final int RINGBUF_FULL = 3;
  /** ND_STAT_COUNTS_FULL: matches not counted per key because the counts map was full. */
  public static final int COUNTS_FULL = 4;
  /** ND_STAT_TUPLES_LEARNED: connect() tuples the kernel learned on its own. */
  public static final int TUPLES_LEARNED = 5;
  /**
   * ND_STAT_EMPTY_PURGES: empty skbs (a FIN) of our sockets purged with QUEUE_PURGE because the
   * socket was closed before reading them; one per such close, no data lost: counted here only.
   */
  public static final int EMPTY_PURGES = 6;
  /** ND_STAT_TUPLES_AT_CONNECT: connect() tuples learned inside tcp_connect() (nd_sock_ops). */
  public static final int TUPLES_AT_CONNECT = 7;

  /** One (socket, reason) key of the counts map. */
  public record Key(long socketInode, int reason) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Long.compare(socketInode, o.socketInode);
      return c != 0 ? c : Integer.compare(reason, o.reason);
    }
  }

  /** Retired counts of one reason and one group of sockets (see {@link #retire(LongPredicate, LongFunction)}). */
  public record Retired(int reason, Object group) {}

  private final BpfMap counts;
  private final BpfMap stats;
  /** Counts of retired sockets, by reason and group; guarded by this. */
  private final Map<Retired, Long> retired = new HashMap<>();
  private long retiredSockets;

  public DropTotals(BpfMap counts, BpfMap stats) {
    this.counts = counts;
    this.stats = stats;
  }

  /** The kernel's count of drops of {@code socketInode} with {@code reason} now; 0 if none. */
  public long count(long socketInode, int reason) {
    byte[] key = new byte[16];
    ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, socketInode).putInt(8, reason);
    byte[] value = new byte[8];
    return counts.lookup(key, value) ? ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(0) : 0;
  }

  /** A snapshot of every (socket, reason) count. */
  public Map<Key, Long> counts() {
    Map<Key, Long> out = new TreeMap<>();
    byte[] value = new byte[8];
    for (byte[] key : counts.keys()) {
      if (counts.lookup(key, value)) {
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder());
        long n = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(0);
        out.put(new Key(k.getLong(0), k.getInt(8)), n);
      }
    }
    return out;
  }

  /**
   * Moves the counts of every socket for which {@code keep} is false (closed, and past the grace
   * period in which late packets are still attributed to it) out of the kernel map into per-reason
   * totals kept here ({@link #retired()}), so that the map, whose size is fixed, holds the sockets
   * that can still drop and never fills with those that are gone. Each key is read and removed in
   * one step, so no count is lost. Returns the number of keys moved.
   */
  public int retire(LongPredicate keep) {
    return retire(keep, inode -> null);
  }

  /**
   * As {@link #retire(LongPredicate)}, keeping the retired counts apart by reason and by the group
   * {@code group} puts each socket in (e.g. its transport and port, for metrics by those): {@link
   * #retiredByGroup()}.
   */
  public synchronized int retire(LongPredicate keep, LongFunction<Object> group) {
    byte[] value = new byte[8];
    Set<Long> sockets = new HashSet<>();
    int moved = 0;
    for (byte[] key : counts.keys()) {
      ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder());
      long inode = k.getLong(0);
      if (keep.test(inode) || !counts.lookupAndDelete(key, value)) {
        continue;
      }
      long n = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(0);
      retired.merge(new Retired(k.getInt(8), group.apply(inode)), n, Long::sum);
      sockets.add(inode);
      moved++;
    }
    retiredSockets += sockets.size();
    return moved;
  }

  /** Drops of retired sockets by reason (see {@link #retire}); a copy. */
  public synchronized Map<Integer, Long> retired() {
    Map<Integer, Long> byReason = new TreeMap<>();
    retired.forEach((k, n) -> byReason.merge(k.reason(), n, Long::sum));
    return byReason;
  }

  /** Drops of retired sockets by reason and group; a copy. */
  public synchronized Map<Retired, Long> retiredByGroup() {
    return new HashMap<>(retired);
  }

  /** How many sockets {@link #retire} has moved out of the kernel map. */
  public synchronized long retiredSockets() {
    return retiredSockets;
  }

  /** A program counter summed over CPUs; {@code index} is one of the constants above. */
  public long stat(int index) {
    return stats.sumPerCpuLong(index);
  }
}
