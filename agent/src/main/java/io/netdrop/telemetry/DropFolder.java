package io.netdrop.telemetry;

import io.netdrop.drops.DropEvent;
import io.netdrop.drops.DropFormatter;
import io.netdrop.drops.DropListener;
import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.SpanUses;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Folds bursts of drops into a few reports and hands each report to every {@link DropSink}. The
 * first drop on a (socket, reason, span) is reported at once; the drops that follow it within
 * {@code foldMillis} are counted and reported together, as one drop with a count and a time range,
 * when that window closes — and so on for as long as the burst lasts. A storm of 545 drops on one
 * socket in half a second is two reports, not 545.
 *
 * <p>Runs on the drop reader's thread only (not thread-safe): {@link #onDrop} per event, {@link
 * #tick} between polls.
 */
public final class DropFolder implements DropListener {
  /** Default fold window: 1,000 ms. */
  public static final long DEFAULT_FOLD_MILLIS = 1_000;

  private final DropDescriber describer;
  private final List<DropSink> sinks;
  private final long foldNanos;
  private final Consumer<String> errors;
  private final Map<Key, Fold> folds = new HashMap<>();

  private record Key(long inode, int reason, Object span) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.inode == inode && k.reason == reason && k.span == span;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(inode) * 31 + reason * 17 + System.identityHashCode(span);
    }
  }

  /** An open window: the drop that opened it and what came after it. */
  private static final class Fold {
    Drop first;
    long windowStart;
    long count;
    long firstNanos;
    long lastNanos;
  }

  public DropFolder(DropDescriber describer, List<DropSink> sinks, long foldMillis, Consumer<String> errors) {
    this.describer = Objects.requireNonNull(describer, "describer");
    this.sinks = List.copyOf(sinks);
    if (foldMillis < 0) {
      throw new IllegalArgumentException("fold window must not be negative: " + foldMillis);
    }
    this.foldNanos = TimeUnit.MILLISECONDS.toNanos(foldMillis);
    this.errors = Objects.requireNonNull(errors, "errors");
  }

  @Override
  public void onDrop(DropEvent e) {
    ConnectionRecord r = describer.record(e);
    SpanUses.Use use = DropDescriber.spanUse(r, e.timestampNanos());
    Key key = new Key(e.socketInode(), e.reason(), use == null ? null : use.span());
    Fold f = folds.get(key);
    if (f != null && foldNanos > 0) {
      if (f.count == 0) {
        f.firstNanos = e.timestampNanos();
      }
      f.count++;
      f.lastNanos = e.timestampNanos();
      return;
    }
    Drop d = describer.describe(e, r, use);
    emit(d);
    if (foldNanos > 0) {
      f = new Fold();
      f.first = d;
      f.windowStart = e.timestampNanos();
      folds.put(key, f);
    }
  }

  /** Reports the bursts whose window closed by {@code nowNanos} (CLOCK_MONOTONIC) and forgets quiet ones. */
  @Override
  public void tick(long nowNanos) {
    if (folds.isEmpty()) {
      return;
    }
    List<Drop> due = new ArrayList<>();
    for (Iterator<Fold> it = folds.values().iterator(); it.hasNext(); ) {
      Fold f = it.next();
      if (nowNanos - f.windowStart < foldNanos) {
        continue;
      }
      if (f.count == 0) {
        it.remove();
        continue;
      }
      due.add(burst(f));
      f.count = 0;
      f.windowStart = nowNanos;
    }
    due.forEach(this::emit);
  }

  /**
   * Reports a drop that did not come from the ring buffer (a listen-queue overflow, counted by
   * the listener), as it is: from any thread.
   */
  public void report(Drop d) {
    emit(d);
  }

  /** Reports every open burst now, e.g. at shutdown. */
  public void flush() {
    tick(Long.MAX_VALUE / 2 + System.nanoTime());
    folds.clear();
  }

  private static Drop burst(Fold f) {
    Drop first = f.first;
    String line =
        DropFormatter.time(first.firstTime().plusNanos(f.firstNanos - first.firstNanos()))
            + lineAfterTime(first.line()) + " count=" + f.count + " over "
            + TimeUnit.NANOSECONDS.toMillis(f.lastNanos - f.firstNanos) + "ms";
    return first.burst(f.count, f.firstNanos, f.lastNanos, line);
  }

  /** The first drop's line from {@code " netdrop: "} on: the burst's line gets its own time. */
  private static String lineAfterTime(String firstLine) {
    int at = firstLine.indexOf(" netdrop: ");
    return at < 0 ? " " + firstLine : firstLine.substring(at);
  }

  private void emit(Drop d) {
    for (DropSink sink : sinks) {
      try {
        sink.accept(d);
      } catch (RuntimeException ex) {
        errors.accept("drop sink " + sink.getClass().getSimpleName() + " failed: " + ex);
      }
    }
  }

  /** Flushes and closes every sink. */
  public void close() {
    flush();
    for (DropSink sink : sinks) {
      try {
        sink.close();
      } catch (RuntimeException ex) {
        errors.accept("drop sink " + sink.getClass().getSimpleName() + " failed to close: " + ex);
      }
    }
  }
}
