package io.netdrop.sockets.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The watcher's accounting, fed with counts the kernel cannot be made to produce on demand. */
class ListenOverflowWatcherTest {
  private static final byte[] ADDRESS = {127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  private final List<List<ListenerStats>> polls = new ArrayList<>();
  private final List<Overflow> reported = new CopyOnWriteArrayList<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();

  private static ListenerStats listener(long inode, long drops) {
    return new ListenerStats(inode, 2, ADDRESS, (int) inode, drops, 0, 1);
  }

  private static Overflow overflow(long inode, long newDrops, long total) {
    return new Overflow(inode, 2, ADDRESS, (int) inode, newDrops, total);
  }

  private Supplier<List<ListenerStats>> script() {
    return () -> polls.remove(0);
  }

  private ListenOverflowWatcher watcher(LongPredicate isOurs, boolean reportExisting) {
    return new ListenOverflowWatcher(script(), () -> {}, isOurs, reported::add, 1000, reportExisting, errors::add);
  }

  @Test
  void firstPollIsTheBaselineThenOnlyIncreasesAreReported() {
    polls.add(List.of(listener(1, 5)));
    polls.add(List.of(listener(1, 5)));
    polls.add(List.of(listener(1, 8)));
    polls.add(List.of(listener(1, 8)));
    ListenOverflowWatcher w = watcher(inode -> true, false);
    w.pollNow();
    w.pollNow();
    assertEquals(List.of(), reported, "drops from before the first poll are not news");
    w.pollNow();
    w.pollNow();
    assertEquals(List.of(overflow(1, 3, 8)), reported);
  }

  @Test
  void reportExistingReportsTheFirstPollsDrops() {
    polls.add(List.of(listener(1, 5), listener(2, 0)));
    watcher(inode -> true, true).pollNow();
    assertEquals(List.of(overflow(1, 5, 5)), reported);
  }

  @Test
  void onlyListenersThatAreOursAreReported() {
    polls.add(List.of(listener(1, 0), listener(2, 0)));
    polls.add(List.of(listener(1, 4), listener(2, 9)));
    ListenOverflowWatcher w = watcher(inode -> inode == 2, false);
    w.pollNow();
    w.pollNow();
    assertEquals(List.of(overflow(2, 9, 9)), reported);
  }

  @Test
  void listenerRecognisedLateIsMeasuredFromItsBaseline() {
    AtomicBoolean known = new AtomicBoolean();
    polls.add(List.of(listener(1, 100)));
    polls.add(List.of(listener(1, 103)));
    ListenOverflowWatcher w = watcher(inode -> known.get(), false);
    w.pollNow();
    known.set(true);
    w.pollNow();
    assertEquals(List.of(overflow(1, 3, 103)), reported);
  }

  @Test
  void listenerAppearingAfterTheBaselineHasAllItsDropsReported() {
    polls.add(List.of());
    polls.add(List.of(listener(7, 2)));
    ListenOverflowWatcher w = watcher(inode -> true, false);
    w.pollNow();
    w.pollNow();
    assertEquals(List.of(overflow(7, 2, 2)), reported);
  }

  @Test
  void counterWrapBetweenPollsIsCountedAsTheIncrease() {
    polls.add(List.of(listener(1, 0xffff_fffeL)));
    polls.add(List.of(listener(1, 3)));
    ListenOverflowWatcher w = watcher(inode -> true, false);
    w.pollNow();
    w.pollNow();
    assertEquals(List.of(overflow(1, 5, 3)), reported);
  }

  @Test
  void listenersWithoutACounterOrInodeAreSkipped() {
    polls.add(List.of(listener(1, -1), listener(0, 4)));
    watcher(inode -> true, true).pollNow();
    assertEquals(List.of(), reported);
  }

  @Test
  void failingSinkOrPredicateIsReportedAndDoesNotLoseCounts() {
    polls.add(List.of(listener(1, 0), listener(2, 0)));
    polls.add(List.of(listener(1, 1), listener(2, 1)));
    polls.add(List.of(listener(1, 2), listener(2, 2)));
    AtomicInteger calls = new AtomicInteger();
    Consumer<Overflow> sink = o -> {
      if (calls.getAndIncrement() == 0) {
        throw new IllegalStateException("sink broke");
      }
      reported.add(o);
    };
    LongPredicate isOurs = inode -> {
      if (inode == 2) {
        throw new IllegalArgumentException("predicate broke");
      }
      return true;
    };
    ListenOverflowWatcher w = new ListenOverflowWatcher(script(), () -> {}, isOurs, sink, 1000, false, errors::add);
    w.pollNow();
    w.pollNow(); // the sink throws for listener 1's first overflow
    w.pollNow();
    assertEquals(List.of(overflow(1, 1, 2)), reported);
    assertTrue(errors.stream().anyMatch(e -> e.contains("sink broke")), errors.toString());
    assertTrue(errors.stream().anyMatch(e -> e.contains("predicate broke")), errors.toString());
  }

  @Test
  void startTakesTheBaselineBeforeItReturnsSoLaterDropsAreAllReported() {
    polls.add(List.of(listener(1, 5)));
    polls.add(List.of(listener(1, 25)));
    ListenOverflowWatcher w =
        new ListenOverflowWatcher(script(), () -> {}, i -> true, reported::add, 60_000, false, errors::add);
    w.start(); // the polling thread's first poll is a minute away
    w.pollNow();
    w.close();
    assertEquals(List.of(overflow(1, 20, 25)), reported, "all 20 drops after start, none of the 5 before");
  }

  @Test
  void pollingThreadSurvivesFailuresReportsThemOnceAndCloseStopsIt() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean closedSource = new AtomicBoolean();
    Supplier<List<ListenerStats>> source = () -> {
      int n = calls.incrementAndGet();
      if (n <= 3) {
        throw new SockDiagException("kernel said no " + n);
      }
      return List.of(listener(1, n));
    };
    ListenOverflowWatcher w =
        new ListenOverflowWatcher(source, () -> closedSource.set(true), i -> true, reported::add, 5, false, errors::add);
    w.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (reported.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    w.close();
    int after = calls.get();
    Thread.sleep(50);
    assertEquals(after, calls.get(), "no poll after close");
    assertTrue(closedSource.get(), "close closes the source");
    assertTrue(reported.size() >= 2, reported.toString());
    reported.forEach(o -> assertEquals(1, o.newDrops(), "one drop per poll of this source"));
    assertEquals(List.of("listen overflow poll failed (will retry): kernel said no 1"), errors);
    assertThrows(IllegalStateException.class, w::start);
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class,
        () -> new ListenOverflowWatcher(script(), () -> {}, i -> true, o -> {}, 0, false, e -> {}));
    assertThrows(NullPointerException.class,
        () -> new ListenOverflowWatcher(script(), () -> {}, null, o -> {}, 10, false, e -> {}));
    assertThrows(NullPointerException.class, () -> new ListenOverflowWatcher(null, i -> true, o -> {}, 10));
  }
}
