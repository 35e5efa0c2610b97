package io.netdrop.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of the agent's own threads in this JVM, from {@code /proc/self/task/TID/stat}: netdrop's
 * threads ({@code netdrop-*}) and the embedded OpenTelemetry SDK's exporter threads. Thread names
 * there are cut to 15 characters, hence the prefixes. Threads that ended are not counted.
 */
final class AgentThreads {
  private static final String[] PREFIXES = {"netdrop", "PeriodicMetricR", "BatchLogRecordP", "BatchSpanProces", "OkHttp"};
  /** USER_HZ: clock ticks per second of utime and stime (100 on every Linux architecture we run on). */
  private static final long HZ = 100;

  private AgentThreads() {}

  /** utime + stime of the agent's threads now, in clock ticks. */
  static long ticks() {
    long sum = 0;
    for (long t : byThread().values()) {
      sum += t;
    }
    return sum;
  }

  static long ticksToMillis(long ticks) {
    return ticks * 1000 / HZ;
  }

  /** name=cpu_ms of each agent thread, for the record. */
  static String describe() {
    StringBuilder b = new StringBuilder();
    byThread().forEach((name, t) -> b.append(b.length() == 0 ? "" : " ").append(name).append('=').append(ticksToMillis(t)));
    return b.toString();
  }

  private static Map<String, Long> byThread() {
    Map<String, Long> out = new TreeMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!agents(name)) {
          continue;
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12.
        out.merge(name + "/" + task.getFileName(), Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/task", e);
    }
    return out;
  }

  private static boolean agents(String name) {
    for (String p : PREFIXES) {
      if (name.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
