import java.nio.file.Path;
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
 * Bytes allocated per second in a window of a JFR recording, from jdk.ThreadAllocationStatistics
 * (each thread's running total, emitted periodically): per thread, the last total at or before the
 * window's end minus the first at or after its start. A thread first seen later counts from zero;
 * one that ended inside the window is not counted. JFR's own threads and the attach listener
 * (jcmd) are left out: they are the measurement, not the application.
 * Prints "<total B/s> <netdrop threads' B/s> <seconds>", then with "threads" each thread's B/s.
 *   java bench/JfrAllocation.java recording.jfr [fromEpochMillis toEpochMillis] [threads]
 */
public class JfrAllocation {
  public static void main(String[] args) throws Exception {
    Instant from = args.length >= 3 ? Instant.ofEpochMilli(Long.parseLong(args[1])) : Instant.MIN;
    Instant to = args.length >= 3 ? Instant.ofEpochMilli(Long.parseLong(args[2])) : Instant.MAX;
    boolean perThread = args[args.length - 1].equals("threads");
    List<RecordedEvent> events = new ArrayList<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      Instant t = e.getStartTime();
      if (e.getEventType().getName().equals("jdk.ThreadAllocationStatistics")
          && !t.isBefore(from) && !t.isAfter(to)) {
        events.add(e);
      }
    }
    if (events.isEmpty()) {
      throw new IllegalArgumentException("no jdk.ThreadAllocationStatistics in the window of " + args[0]);
    }
    events.sort(Comparator.comparing(RecordedEvent::getStartTime));
    Instant start = events.get(0).getStartTime();
    Instant end = events.get(events.size() - 1).getStartTime();
    // The events of one emission differ by microseconds; a thread first seen a while after the
    // first emission was started during the window.
    Instant firstEmission = start.plusMillis(200);
    Map<Long, long[]> firstLast = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (RecordedEvent e : events) {
      RecordedThread thread = e.getThread("thread");
      if (thread == null) {
        continue;
      }
      long id = thread.getJavaThreadId();
      names.put(id, thread.getJavaName());
      long allocated = e.getLong("allocated");
      long[] fl = firstLast.get(id);
      if (fl == null) {
        firstLast.put(id, new long[] {e.getStartTime().isBefore(firstEmission) ? allocated : 0, allocated});
      } else {
        fl[1] = allocated;
      }
    }
    double seconds = (end.toEpochMilli() - start.toEpochMilli()) / 1e3;
    long total = 0;
    long agent = 0;
    Map<String, Long> byThread = new HashMap<>();
    for (Map.Entry<Long, long[]> e : firstLast.entrySet()) {
      String name = names.getOrDefault(e.getKey(), "");
      if (name.startsWith("JFR ") || name.equals("Attach Listener")) {
        continue;
      }
      long d = e.getValue()[1] - e.getValue()[0];
      total += d;
      if (name.startsWith("netdrop")) {
        agent += d;
      }
      byThread.merge(name, d, Long::sum);
    }
    System.out.printf("%.0f %.0f %.1f%n", total / seconds, agent / seconds, seconds);
    if (perThread) {
      byThread.entrySet().stream()
          .filter(e -> e.getValue() > 0)
          .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
          .forEach(e -> System.out.printf("  %10.0f B/s  %s%n", e.getValue() / seconds, e.getKey()));
    }
  }
}
