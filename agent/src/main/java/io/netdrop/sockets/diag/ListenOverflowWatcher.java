package io.netdrop.sockets.diag;

import io.netdrop.kernel.Housekeeping;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * Reports listen-queue overflows of this JVM's listeners: on each poll, the increase of every
 * listener's {@code sk_drops} since the previous poll, for the listeners {@code isOurs} accepts.
 *
 * <p>The first poll takes a baseline (drops that happened before netdrop started are not
 * reported) unless {@code reportExisting}. A listener first seen on a later poll was created since
 * the previous one, so all its drops are reported. Every listener of the namespace is tracked, not
 * only ours, so a listener that {@code isOurs} recognises late is still measured from its
 * baseline. The counter is unsigned 32-bit; a wrap between two polls is accounted for.
 *
 * <p>The polling thread is a daemon and never throws: a failing poll is reported once to {@code
 * errors} (again only after a poll has succeeded), a failing {@code sink} or {@code isOurs} per
 * call. {@code sink} runs on the polling thread, or on the caller's for {@link #pollNow()}.
 */
public final class ListenOverflowWatcher implements AutoCloseable {
  private static final long JOIN_MILLIS = 1000;

  private final Supplier<List<ListenerStats>> source;
  private final Runnable closeSource;
  private final LongPredicate isOurs;
  private final Consumer<Overflow> sink;
  private final long intervalMillis;
  private final boolean reportExisting;
  private final Consumer<String> errors;
  private final Thread thread;
  private final Object lock = new Object();
  private Map<Long, Long> lastDrops = new HashMap<>();
  private boolean baselined;
  private boolean failing;
  private volatile boolean running;
  private volatile boolean closed;

  /**
   * A watcher that takes a baseline on its first poll and prints problems to standard error.
   *
   * @see #ListenOverflowWatcher(SockDiag, LongPredicate, Consumer, long, boolean, Consumer)
   */
  public ListenOverflowWatcher(SockDiag diag, LongPredicate isOurs, Consumer<Overflow> sink, long intervalMillis) {
    this(diag, isOurs, sink, intervalMillis, false, problem -> System.err.println("netdrop: " + problem));
  }

  /**
   * @param diag the query to poll with; the watcher owns it and closes it in {@link #close()}
   * @param isOurs whether a listener's socket inode belongs to this JVM; called on every poll
   * @param sink receives one {@link Overflow} per listener whose drops grew
   * @param intervalMillis time between polls of the background thread, at least 1
   * @param reportExisting report the drops listeners already had at the first poll
   * @param errors receives one line per problem, without a {@code netdrop:} prefix
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code intervalMillis} is less than 1
   */
  public ListenOverflowWatcher(
      SockDiag diag,
      LongPredicate isOurs,
      Consumer<Overflow> sink,
      long intervalMillis,
      boolean reportExisting,
      Consumer<String> errors) {
    this(Objects.requireNonNull(diag, "diag")::listeners, diag::close, isOurs, sink, intervalMillis, reportExisting, errors);
  }

  // Any source of listener counts: the tests feed counts the kernel cannot be made to produce (a wrap).
  ListenOverflowWatcher(
      Supplier<List<ListenerStats>> source,
      Runnable closeSource,
      LongPredicate isOurs,
      Consumer<Overflow> sink,
      long intervalMillis,
      boolean reportExisting,
      Consumer<String> errors) {
    this.source = Objects.requireNonNull(source, "source");
    this.closeSource = Objects.requireNonNull(closeSource, "closeSource");
    this.isOurs = Objects.requireNonNull(isOurs, "isOurs");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.errors = Objects.requireNonNull(errors, "errors");
    if (intervalMillis < 1) {
      throw new IllegalArgumentException("intervalMillis must be at least 1: " + intervalMillis);
    }
    this.intervalMillis = intervalMillis;
    this.reportExisting = reportExisting;
    this.thread = Housekeeping.thread(this::run, "netdrop-listen-overflow");
  }

  /**
   * Takes the first poll on the calling thread, then starts the polling thread. The first poll is
   * the baseline (drops counted before it are not reported, unless {@code reportExisting}), so it
   * must not wait for the polling thread, which runs at a low priority ({@link
   * io.netdrop.kernel.Housekeeping}): on a busy host a listener could overflow before it ran and
   * have those drops taken for old ones.
   *
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start() {
    if (closed || running || thread.isAlive()) {
      throw new IllegalStateException(closed ? "watcher is closed" : "watcher already started");
    }
    running = true;
    try {
      pollNow();
    } catch (RuntimeException e) {
      failing = true;
      report("listen overflow poll failed (will retry): " + e.getMessage());
    }
    thread.start();
  }

  /**
   * Polls once on the calling thread and hands any overflows to the sink before returning.
   *
   * @throws SockDiagException if the query fails (the previous counts are kept)
   */
  public void pollNow() {
    synchronized (lock) {
      List<ListenerStats> listeners = source.get();
      Map<Long, Long> next = new HashMap<>(listeners.size() * 2);
      for (ListenerStats listener : listeners) {
        if (listener.drops() < 0 || listener.inode() == 0) {
          continue; // no counter from this kernel, or a socket without a file
        }
        Long previous = lastDrops.get(listener.inode());
        next.put(listener.inode(), listener.drops());
        long base;
        if (previous != null) {
          base = previous;
        } else {
          base = baselined || reportExisting ? 0 : listener.drops();
        }
        long added = (listener.drops() - base) & 0xffff_ffffL;
        if (added > 0 && ours(listener.inode())) {
          deliver(new Overflow(listener.inode(), listener.family(), listener.localAddress(),
              listener.localPort(), added, listener.drops()));
        }
      }
      lastDrops = next;
      baselined = true;
    }
  }

  private boolean ours(long inode) {
    try {
      return isOurs.test(inode);
    } catch (RuntimeException e) {
      report("listen overflow: isOurs failed for inode " + inode + ": " + e);
      return false;
    }
  }

  private void deliver(Overflow overflow) {
    try {
      sink.accept(overflow);
    } catch (RuntimeException e) {
      report("listen overflow sink failed: " + e);
    }
  }

  // The error consumer is the integrator's too: it must not stop the polling thread either.
  private void report(String problem) {
    try {
      errors.accept(problem);
    } catch (RuntimeException e) {
      // nowhere left to report to
    }
  }

  private void run() {
    while (running) {
      try {
        Thread.sleep(intervalMillis); // start() took the first poll
      } catch (InterruptedException e) {
        return; // close()
      }
      try {
        pollNow();
        failing = false;
      } catch (RuntimeException e) {
        if (running && !failing) {
          failing = true;
          report("listen overflow poll failed (will retry): " + e.getMessage());
        }
      }
    }
  }

  /**
   * Stops the polling thread (waiting up to a second for a poll in progress) and closes the
   * {@link SockDiag}. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      running = false;
    }
    thread.interrupt();
    try {
      thread.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeSource.run();
  }
}
