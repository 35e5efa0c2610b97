package io.netdrop.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Locates an already mounted tracefs. Never mounts anything: containers often lack tracefs, and
 * netdrop attaches through BTF without it, so its absence is an ordinary answer.
 */
public final class Tracefs {

  private static final Path MOUNTS = Path.of("/proc/self/mounts");
  private static final List<Path> USUAL =
      List.of(Path.of("/sys/kernel/tracing"), Path.of("/sys/kernel/debug/tracing"));

  private Tracefs() {}

  /**
   * The root of a mounted tracefs: {@code /sys/kernel/tracing}, else {@code
   * /sys/kernel/debug/tracing}, else any other tracefs mount point of this mount namespace.
   * Empty if none is mounted or visible.
   */
  public static Optional<Path> root() {
    List<Path> candidates = new ArrayList<>(USUAL);
    candidates.addAll(tracefsMountPoints());
    for (Path p : candidates) {
      // An unmounted /sys/kernel/tracing is an empty directory; "events" marks a live tracefs.
      if (Files.isDirectory(p.resolve("events"))) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * The directory of a trace event, e.g. {@code eventDir("skb", "kfree_skb")}; empty if tracefs is
   * not mounted or the kernel has no such event.
   *
   * @throws IllegalArgumentException if a name is empty or could escape the events directory
   */
  public static Optional<Path> eventDir(String category, String event) {
    requireName(category, "category");
    requireName(event, "event");
    return root()
        .map(r -> r.resolve("events").resolve(category).resolve(event))
        .filter(Files::isDirectory);
  }

  private static void requireName(String name, String what) {
    if (name == null || name.isEmpty() || name.contains("/") || name.equals("..") || name.equals(".")) {
      throw new IllegalArgumentException("invalid trace event " + what + ": '" + name + "'");
    }
  }

  private static List<Path> tracefsMountPoints() {
    List<Path> points = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(MOUNTS)) {
        String[] f = line.split(" ");
        if (f.length >= 3 && f[2].equals("tracefs")) {
          points.add(Path.of(unescapeOctal(f[1])));
        }
      }
    } catch (IOException | RuntimeException e) {
      // Without /proc/self/mounts the usual locations are all we can try.
    }
    return points;
  }

  // /proc/self/mounts writes space, tab, newline and backslash in paths as \ooo.
  private static String unescapeOctal(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1, 3)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from, int n) {
    if (from + n > s.length()) {
      return false;
    }
    for (int i = from; i < from + n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '7') {
        return false;
      }
    }
    return true;
  }
}
