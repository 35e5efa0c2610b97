package io.netdrop.sockets;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * This JVM's sockets by inode: the open ones and, for a while, the recently closed ones (whose
 * late packets are still dropped and attributed). Holds at most {@code capacity} records; when
 * full, the oldest closed record makes room, and if every record is open a new socket is not
 * recorded ({@link #rejected()} counts them).
 *
 * <p>{@link #find} takes no lock and allocates nothing (an open-addressing table of records,
 * published as a whole on resize); changes take this registry's lock. Memory: about {@value
 * #BYTES_PER_CONNECTION} bytes of heap per connection with endpoints (record, endpoints and
 * table slots, measured with a heap estimate over 50,000 records on a 64-bit JVM with
 * compressed oops: 176), so the default capacity costs at most about 12 MiB.
 */
public final class ConnectionRegistry {
  /** Default {@code capacity}: 65,536, the size of the kernel {@code sockets} map. */
  public static final int DEFAULT_CAPACITY = 65_536;

  /**
   * Default {@code closedCapacity}: 4,096. Closed connections keep their record and kernel tuple
   * for the grace period; under churn faster than this many per grace period (about 136
   * connections a second for 30 s) the oldest closed record goes first. Unbounded, the closed
   * filled the LRU {@code tuples} map, where every insert then evicts, and the LRU evicts the tuples
   * of long-lived open connections (which no drop has looked up lately) first; and under the
   * OpenTelemetry agent each closed record holds its spans' contexts, which every young collection
   * copied: at 9,000 connections a second, 16,384 closed records made the Serial collector's young
   * pauses 15–50 ms instead of 1–2 (docs/performance.md). Late drops come within tens of
   * milliseconds of the close, well inside what 4,096 records cover at any measured rate.
   */
  public static final int DEFAULT_CLOSED_CAPACITY = 4_096;

  /** Measured heap per connection, see the class comment. */
  public static final int BYTES_PER_CONNECTION = 180;

  private static final ConnectionRecord TOMBSTONE = tombstone();
  private static final int MIN_TABLE = 64;

  private final int capacity;
  private final int closedCapacity;
  private final ArrayDeque<ConnectionRecord> closedOldestFirst = new ArrayDeque<>();
  private volatile Table table = new Table(MIN_TABLE);
  private int size;
  private int tombstones;
  private long rejected;

  private ConnectionRegistry(int capacity, int closedCapacity) {
    this.capacity = capacity;
    this.closedCapacity = closedCapacity;
  }

  /**
   * A registry holding at most {@code capacity} records, of which at most {@code closedCapacity}
   * closed ones.
   *
   * @throws IllegalArgumentException if either is not positive
   */
  public static ConnectionRegistry create(int capacity, int closedCapacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("registry capacity must be positive: " + capacity);
    }
    if (closedCapacity <= 0) {
      throw new IllegalArgumentException("closed capacity must be positive: " + closedCapacity);
    }
    return new ConnectionRegistry(capacity, closedCapacity);
  }

  /** A registry holding at most {@code capacity} records, any of them closed. */
  public static ConnectionRegistry create(int capacity) {
    return create(capacity, capacity);
  }

  /** A registry of {@link #DEFAULT_CAPACITY} records, {@link #DEFAULT_CLOSED_CAPACITY} closed. */
  public static ConnectionRegistry create() {
    return create(DEFAULT_CAPACITY, DEFAULT_CLOSED_CAPACITY);
  }

  /** The record of socket {@code inode} (open or recently closed), or null. Lock-free, no allocation. */
  public ConnectionRecord find(long inode) {
    Table t = table;
    int mask = t.mask;
    int i = slot(inode, mask);
    for (int probes = 0; probes <= mask; probes++) {
      ConnectionRecord r = t.records.get(i);
      if (r == null) {
        return null;
      }
      // The key array spares a cache miss on every record the probe passes; the record's own inode
      // settles a slot that a writer is reusing meanwhile.
      if (t.inodes[i] == (int) inode && r != TOMBSTONE && r.inode() == inode) {
        return r;
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  /** Whether socket {@code inode} is open or still within its grace period here. */
  public boolean holds(long inode) {
    return find(inode) != null;
  }

  /**
   * Adds (or replaces) the record of its inode. When the registry is full the oldest closed record
   * is evicted and returned, so the caller can release what it still holds in the kernel.
   *
   * @return the evicted record, {@code record} itself if it could not be added (full of open
   *     sockets), or null
   */
  synchronized ConnectionRecord add(ConnectionRecord record) {
    ConnectionRecord evicted = null;
    ConnectionRecord existing = find(record.inode());
    if (existing != null) {
      if (existing.closed()) {
        closedOldestFirst.remove(existing);
      }
      replace(existing, record);
      // A reused inode: the old socket's kernel entries must go before the new socket writes its own.
      return existing.closed() ? existing : null;
    }
    if (size >= capacity) {
      evicted = closedOldestFirst.pollFirst();
      if (evicted == null) {
        rejected++;
        return record;
      }
      remove(evicted);
    }
    if ((size + tombstones + 1) * 2 > table.records.length()) {
      rehash();
    }
    if (insert(table, record)) {
      tombstones--;
    }
    size++;
    return evicted;
  }

  /**
   * Marks {@code record} closed at {@code nanos}; it stays findable until {@link #expire}, or until
   * {@code closedCapacity} newer records have closed.
   *
   * @return the oldest closed record, removed to stay within {@code closedCapacity} (the caller
   *     releases what it still holds in the kernel), or null
   */
  synchronized ConnectionRecord close(ConnectionRecord record, long nanos) {
    if (record.closed() || find(record.inode()) != record) {
      return null;
    }
    record.markClosed(nanos);
    closedOldestFirst.addLast(record);
    if (closedOldestFirst.size() <= closedCapacity) {
      return null;
    }
    ConnectionRecord oldest = closedOldestFirst.pollFirst();
    remove(oldest);
    return oldest;
  }

  /** Removes and returns the records closed at or before {@code closedBefore}, oldest first. */
  synchronized List<ConnectionRecord> expire(long closedBefore) {
    List<ConnectionRecord> out = new ArrayList<>();
    for (ConnectionRecord r; (r = closedOldestFirst.peekFirst()) != null; ) {
      if (r.closedNanos() - closedBefore > 0) {
        break;
      }
      closedOldestFirst.pollFirst();
      remove(r);
      out.add(r);
    }
    return out;
  }

  /** A snapshot of every record, open and closed. */
  synchronized List<ConnectionRecord> records() {
    List<ConnectionRecord> out = new ArrayList<>(size);
    AtomicReferenceArray<ConnectionRecord> t = table.records;
    for (int i = 0; i < t.length(); i++) {
      ConnectionRecord r = t.get(i);
      if (r != null && r != TOMBSTONE) {
        out.add(r);
      }
    }
    return out;
  }

  /** Records held, open and closed. */
  public synchronized int size() {
    return size;
  }

  /** Closed records still held. */
  public synchronized int closedCount() {
    return closedOldestFirst.size();
  }

  /** Sockets not recorded because every record was open. */
  public synchronized long rejected() {
    return rejected;
  }

  public int capacity() {
    return capacity;
  }

  /** At most this many closed records are held. */
  public int closedCapacity() {
    return closedCapacity;
  }

  private void replace(ConnectionRecord old, ConnectionRecord record) {
    Table t = table;
    for (int i = slot(old.inode(), t.mask); ; i = (i + 1) & t.mask) {
      if (t.records.get(i) == old) {
        t.records.set(i, record); // same inode, same key
        return;
      }
    }
  }

  private void remove(ConnectionRecord record) {
    Table t = table;
    long inode = record.inode();
    int i = slot(inode, t.mask);
    for (int probes = 0; probes <= t.mask; probes++, i = (i + 1) & t.mask) {
      ConnectionRecord r = t.records.get(i);
      if (r == null) {
        return;
      }
      if (t.inodes[i] == (int) inode && r == record) {
        // A tombstone keeps later entries of the probe chain reachable for lock-free readers.
        t.records.set(i, TOMBSTONE);
        size--;
        tombstones++;
        return;
      }
    }
  }

  private void rehash() {
    int needed = Math.max(MIN_TABLE, Integer.highestOneBit(Math.max(1, size + 1) * 4 - 1) << 1);
    AtomicReferenceArray<ConnectionRecord> old = table.records;
    Table t = new Table(needed);
    for (int i = 0; i < old.length(); i++) {
      ConnectionRecord r = old.get(i);
      if (r != null && r != TOMBSTONE) {
        insert(t, r);
      }
    }
    tombstones = 0;
    table = t; // readers still walking the old table see a consistent, complete old state
  }

  /** Puts {@code record} in the first free slot of its chain; true if that was a tombstone. */
  private static boolean insert(Table t, ConnectionRecord record) {
    int i = slot(record.inode(), t.mask);
    ConnectionRecord r;
    while ((r = t.records.get(i)) != null && r != TOMBSTONE) {
      i = (i + 1) & t.mask;
    }
    t.inodes[i] = (int) record.inode();
    t.records.set(i, record); // the volatile write publishes the key with it
    return r == TOMBSTONE;
  }

  /**
   * Open-addressing slots: records, and the low 32 bits of their inodes beside them (socket inode
   * numbers are 32-bit on Linux) so that a probe does not load every record it passes.
   */
  private static final class Table {
    final AtomicReferenceArray<ConnectionRecord> records;
    final int[] inodes;
    final int mask;

    Table(int size) {
      records = new AtomicReferenceArray<>(size);
      inodes = new int[size];
      mask = size - 1;
    }
  }

  private static int slot(long inode, int mask) {
    long h = inode * 0x9E3779B97F4A7C15L; // Fibonacci hashing spreads sequential inodes
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private static ConnectionRecord tombstone() {
    // Never matched: find() skips it by identity.
    return new ConnectionRecord(Long.MAX_VALUE, io.netdrop.bootstrap.SocketEvents.UNIX,
        ConnectionRecord.Role.UNIX, null, "", 0);
  }
}
