package io.netdrop.sockets;

import io.netdrop.kernel.Housekeeping;
import io.netdrop.sockets.internal.LongSet;
import io.netdrop.sockets.internal.SocketFds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Keeps the kernel maps in step with the sockets this JVM has open, found by scanning
 * {@code /proc/self/fd} and {@code /proc/self/net/{tcp,udp}{,6}}.
 *
 * <p>Covers sockets created before the agent started and any the instrumentation cannot see. A
 * socket's tuple and bound port stay registered for a grace period after it closes, because the
 * peer's late packets are dropped (NO_SOCKET, TCP_*) only after the socket is gone.
 */
public final class SocketScanner implements AutoCloseable {
  private static final int TCP_LISTEN = 10;
  private static final int UDP_UNCONNECTED = 7;

  private final SocketMaps maps;
  private final long netns;
  private final long graceNanos;
  private final LongSupplier clock;
  private final Consumer<String> debug;
  private final Proc proc;
  private final Map<Long, Registration> live = new HashMap<>();
  /** The keys of {@link #live}, looked up per open socket on each scan without boxing. */
  private final LongSet tracked = new LongSet();
  private final Map<Long, Registration> closing = new HashMap<>();
  private ScheduledExecutorService executor;
  private volatile LongPredicate heldElsewhere = inode -> false;
  // Kept across scans (cleared, not replaced), so that a scan allocates nothing.
  private final LongSet open = new LongSet();
  private final LongSet unknown = new LongSet();
  /** Sockets the last scan found unknown: described if the next scan still finds them so. */
  private LongSet suspects = new LongSet();
  private LongSet seenOnce = new LongSet();

  /** Where a scan reads this process's sockets: {@code /proc}, or a test's stand-in. */
  interface Proc {
    /** Adds the inode of each socket open in this process to {@code into}. */
    void openSocketInodes(LongSet into);

    /**
     * The TCP and UDP sockets of the network namespace whose inode {@code wanted} accepts ({@link
     * ProcSockets#inetSockets(LongPredicate)}).
     */
    List<SocketEntry> inetSockets(LongPredicate wanted);

    /**
     * False only for a socket of the last {@link #openSocketInodes} known not to be IPv4 or IPv6
     * (Unix-domain, netlink, ...), which the socket tables cannot list.
     */
    boolean mayBeInet(long inode);

    /**
     * {@code /proc}, its descriptors listed without garbage ({@link SocketFds}), or through
     * {@code java.nio} where libc lacks a function that needs (one line on {@code debug} says so).
     */
    static Proc of(Consumer<String> debug) {
      SocketFds fds;
      try {
        fds = SocketFds.create();
      } catch (LinkageError e) {
        debug.accept("listing /proc/self/fd through java.nio (" + e + ")");
        fds = null;
      }
      SocketFds lister = fds;
      return new Proc() {
        @Override
        public void openSocketInodes(LongSet into) {
          if (lister != null) {
            lister.collect(into);
          } else {
            for (long inode : ProcSockets.openSocketInodes()) {
              into.add(inode);
            }
          }
        }

        @Override
        public List<SocketEntry> inetSockets(LongPredicate wanted) {
          return ProcSockets.inetSockets(wanted);
        }

        @Override
        public boolean mayBeInet(long inode) {
          int family = lister == null ? -1 : lister.family(inode);
          return family == -1 || family == InetText.AF_INET || family == InetText.AF_INET6;
        }
      };
    }
  }

  private static final class Registration {
    final List<SocketEntry> tuples = new ArrayList<>();
    final List<SocketEntry> ports = new ArrayList<>();
    long closedAt;
  }

  /**
   * @param graceMillis how long a closed socket's tuple and port stay registered
   * @param debug receives one line per change, or a no-op
   */
  public SocketScanner(SocketMaps maps, long netns, long graceMillis, Consumer<String> debug) {
    this(maps, netns, graceMillis, debug, System::nanoTime);
  }

  SocketScanner(
      SocketMaps maps, long netns, long graceMillis, Consumer<String> debug, LongSupplier clock) {
    this(maps, netns, graceMillis, debug, clock, Proc.of(debug));
  }

  SocketScanner(
      SocketMaps maps, long netns, long graceMillis, Consumer<String> debug, LongSupplier clock,
      Proc proc) {
    this.proc = proc;
    this.maps = maps;
    this.netns = netns;
    this.graceNanos = TimeUnit.MILLISECONDS.toNanos(graceMillis);
    this.debug = debug;
    this.clock = clock;
  }

  /**
   * Defers to another owner of kernel entries (the connection registry): a closed socket for
   * which {@code held} is true is not forgotten after the grace period but checked again on each
   * scan, so its tuple and port stay while the other owner still keeps the socket in its own grace.
   */
  public void deferTo(LongPredicate held) {
    heldElsewhere = java.util.Objects.requireNonNull(held, "held");
  }

  /** Scans every {@code intervalMillis} on a daemon thread, after one scan in the caller. */
  public synchronized void start(long intervalMillis) {
    scan(true);
    executor =
        Executors.newSingleThreadScheduledExecutor(Housekeeping.factory("netdrop-sockets"));
    executor.scheduleWithFixedDelay(
        this::scanQuietly, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
  }

  private void scanQuietly() {
    try {
      scan();
    } catch (RuntimeException e) {
      debug.accept("socket scan failed: " + e.getMessage());
    }
  }

  /**
   * One pass: registers sockets that two scans in a row found open and not held by the registry,
   * ages out closed ones. The socket tables ({@code /proc/self/net/*}, which list every socket of
   * the network namespace, not just ours: on a busy host, tens of thousands of lines) are read only
   * when such a socket is there; the common pass is one directory listing of {@code
   * /proc/self/fd}. Waiting for a second sighting leaves alone the sockets the instrumentation is
   * registering at that moment (between socket() or accept() and its hook), which an application
   * that opens thousands of connections a second always has: reading the tables for them cost a
   * third of the agent's CPU under such churn. A socket is described when registered here: one the
   * scanner alone knows (opened in native code) that binds or connects later keeps what it had
   * then, while a socket the instrumentation sees is described by the registry on each event.
   */
  public synchronized void scan() {
    scan(false);
  }

  /** {@code all}: registers every unknown socket at once (the first scan, which finds those
   * opened before the agent). Allocates nothing when no socket came or went. */
  private void scan(boolean all) {
    open.clear();
    proc.openSocketInodes(open);
    unknown.clear();
    seenOnce.clear();
    for (int i = 0; i < open.slots(); i++) {
      if (!open.occupied(i)) {
        continue;
      }
      long inode = open.at(i);
      if (!tracked.contains(inode) && !heldElsewhere.test(inode)) {
        if (all || suspects.contains(inode)) {
          unknown.add(inode);
        } else {
          seenOnce.add(inode);
        }
      }
    }
    LongSet previous = suspects;
    suspects = seenOnce;
    seenOnce = previous;
    if (!unknown.isEmpty()) {
      registerUnknown();
    }
    long now = clock.getAsLong();
    for (Iterator<Map.Entry<Long, Registration>> it = live.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Registration> e = it.next();
      if (!open.contains(e.getKey())) {
        e.getValue().closedAt = now;
        closing.put(e.getKey(), e.getValue());
        tracked.remove(e.getKey());
        it.remove();
      }
    }
    if (closing.isEmpty()) {
      return;
    }
    for (Iterator<Map.Entry<Long, Registration>> it = closing.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, Registration> e = it.next();
      if (now - e.getValue().closedAt >= graceNanos && !heldElsewhere.test(e.getKey())) {
        forget(e.getKey(), e.getValue());
        it.remove();
      }
    }
  }

  /**
   * Reads the socket tables once for the sockets in {@link #unknown}, unless none of them can be in
   * them, and registers each with what the tables say of it. One the tables do not list (a
   * Unix-domain socket, or one closed meanwhile) is registered with nothing, so that it is not
   * looked up again while it is open.
   */
  private void registerUnknown() {
    boolean anyInet = false;
    for (int i = 0; i < unknown.slots() && !anyInet; i++) {
      anyInet = unknown.occupied(i) && proc.mayBeInet(unknown.at(i));
    }
    Map<Long, List<SocketEntry>> byInode = new HashMap<>();
    // The tables list the whole namespace (on a busy host, hundreds of thousands of TIME_WAIT
    // lines): not read for sockets they cannot list, such as jcmd's attach connection.
    for (SocketEntry e : anyInet ? proc.inetSockets(unknown::contains) : List.<SocketEntry>of()) {
      byInode.computeIfAbsent(e.inode(), k -> new ArrayList<>()).add(e);
    }
    for (int i = 0; i < unknown.slots(); i++) {
      if (!unknown.occupied(i)) {
        continue;
      }
      long inode = unknown.at(i);
      Registration r = new Registration();
      live.put(inode, r);
      tracked.add(inode);
      maps.addSocket(inode);
      debug.accept("tracking socket:[" + inode + "]");
      for (SocketEntry e : byInode.getOrDefault(inode, List.of())) {
        register(r, e);
      }
    }
  }

  private void register(Registration r, SocketEntry e) {
    boolean bound =
        (e.protocol() == 6 && e.state() == TCP_LISTEN)
            || (e.protocol() == 17 && e.state() == UDP_UNCONNECTED);
    if (bound && e.localPort() != 0 && !contains(r.ports, e)) {
      r.ports.add(e);
      maps.addPort(netns, e.protocol(), e.localPort(), e.inode());
    } else if (!bound && e.remotePort() != 0 && !contains(r.tuples, e)) {
      r.tuples.add(e);
      maps.addTuple(netns, e);
    }
  }

  private static boolean contains(List<SocketEntry> list, SocketEntry e) {
    for (SocketEntry x : list) {
      if (x.localPort() == e.localPort()
          && x.remotePort() == e.remotePort()
          && java.util.Arrays.equals(x.localAddress(), e.localAddress())
          && java.util.Arrays.equals(x.remoteAddress(), e.remoteAddress())) {
        return true;
      }
    }
    return false;
  }

  private void forget(long inode, Registration r) {
    maps.removeSocket(inode);
    // Only while still ours: a newer socket may have bound the same port or reused the tuple.
    for (SocketEntry e : r.ports) {
      maps.removePortIfOwned(netns, e.protocol(), e.localPort(), inode);
    }
    for (SocketEntry e : r.tuples) {
      maps.removeTupleIfOwned(netns, e);
    }
    debug.accept("forgot closed socket:[" + inode + "]");
  }

  /** Whether socket {@code inode} is open or closed within the grace period here. */
  public synchronized boolean tracks(long inode) {
    return live.containsKey(inode) || closing.containsKey(inode);
  }

  /** Number of open sockets currently registered. */
  public synchronized int trackedSockets() {
    return live.size();
  }

  /** Stops the scan thread; the maps keep what they hold until the program is closed. */
  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }
}
