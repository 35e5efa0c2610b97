import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Bytes allocated per second over a JFR recording, from its first and last
 * jdk.ThreadAllocationStatistics of each thread (the event is emitted at the start and the end of
 * each chunk). Prints "<total B/s> <netdrop threads' B/s> <seconds>"; a thread started during the
 * recording counts from zero, one that ended before its end is not counted.
 *   java bench/JfrAllocation.java recording.jfr [threads]     (threads: each thread's B/s too)
 */
public class JfrAllocation {
  public static void main(String[] args) throws Exception {
    Map<Long, long[]> firstLast = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    Instant start;
    Instant end;
    List<RecordedEvent> events = new ArrayList<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      if (e.getEventType().getName().equals("jdk.ThreadAllocationStatistics")) {
        events.add(e);
      }
    }
    events.sort(Comparator.comparing(RecordedEvent::getStartTime));
    if (events.isEmpty()) {
      throw new IllegalArgumentException("no jdk.ThreadAllocationStatistics in " + args[0]);
    }
    start = events.get(0).getStartTime();
    end = events.get(events.size() - 1).getStartTime();
    // The events of one emission differ by microseconds: those in the first half belong to the start.
    Instant middle = start.plus(Duration.between(start, end).dividedBy(2));
    for (RecordedEvent e : events) {
      Instant t = e.getStartTime();
      RecordedThread thread = e.getThread("thread");
      if (thread == null) {
        continue;
      }
      long id = thread.getJavaThreadId();
      names.put(id, thread.getJavaName());
      long allocated = e.getLong("allocated");
      long[] fl = firstLast.get(id);
      if (fl == null) {
        // First seen: at the recording's start it is the baseline, later the thread is new.
        firstLast.put(id, new long[] {t.isBefore(middle) ? allocated : 0, allocated, t.toEpochMilli()});
      } else {
        fl[1] = allocated;
      }
    }
    double seconds = Duration.between(start, end).toNanos() / 1e9;
    long total = 0;
    long agent = 0;
    for (Map.Entry<Long, long[]> e : firstLast.entrySet()) {
      long d = e.getValue()[1] - e.getValue()[0];
      total += d;
      if (names.getOrDefault(e.getKey(), "").startsWith("netdrop")) {
        agent += d;
      }
    }
    System.out.printf("%.0f %.0f %.1f%n", total / seconds, agent / seconds, seconds);
    if (args.length > 1 && args[1].equals("threads")) {
      firstLast.entrySet().stream()
          .filter(e -> e.getValue()[1] > e.getValue()[0])
          .sorted((a, b) -> Long.compare(b.getValue()[1] - b.getValue()[0], a.getValue()[1] - a.getValue()[0]))
          .forEach(e -> System.out.printf("  %10.0f B/s  %s%n",
              (e.getValue()[1] - e.getValue()[0]) / seconds, names.get(e.getKey())));
    }
  }
}
