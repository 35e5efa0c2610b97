package io.netdrop.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the cgroup v2 directory of this process, where netdrop attaches its socket-creation
 * program. Reads {@code /proc/self/cgroup} (the {@code 0::<path>} line) and {@code
 * /proc/self/mountinfo} (a {@code cgroup2} mount whose root contains that path); on a host with
 * only cgroup v1, or a container without the unified hierarchy mounted, there is none.
 */
public final class CgroupV2 {
  private CgroupV2() {}

  /** This process's cgroup v2 directory, or empty with no visible unified hierarchy. */
  public static Optional<Path> ownDirectory() {
    try {
      return directory(
          Files.readAllLines(Path.of("/proc/self/cgroup")),
          Files.readAllLines(Path.of("/proc/self/mountinfo")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code directory} is the root cgroup of its hierarchy, which holds every process that no
   * one moved elsewhere (on a host without systemd, a JVM started from a shell). The kernel gives
   * every cgroup but the root a {@code cgroup.events} file; the root of a container's cgroup
   * namespace is a child cgroup of the host and has one.
   */
  public static boolean isHierarchyRoot(Path directory) {
    return Files.isDirectory(directory) && !Files.exists(directory.resolve("cgroup.events"));
  }

  /**
   * The directory for the given contents of {@code /proc/self/cgroup} and {@code
   * /proc/self/mountinfo}: the first cgroup2 mount whose root is the cgroup path or one of its
   * ancestors, joined with the rest of the path.
   */
  static Optional<Path> directory(List<String> cgroupLines, List<String> mountinfoLines) {
    String cgroup = null;
    for (String line : cgroupLines) {
      if (line.startsWith("0::")) {
        cgroup = line.substring(3);
      }
    }
    if (cgroup == null || !cgroup.startsWith("/")) {
      return Optional.empty();
    }
    for (String line : mountinfoLines) {
      // id parent major:minor root mount-point options [optional...] - fstype source super-options
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] tail = line.substring(dash + 3).split(" ");
      String[] head = line.substring(0, dash).split(" ");
      if (tail.length < 1 || !tail[0].equals("cgroup2") || head.length < 5) {
        continue;
      }
      String root = unescape(head[3]);
      String mountPoint = unescape(head[4]);
      String rest;
      if (root.equals("/")) {
        rest = cgroup;
      } else if (cgroup.equals(root) || cgroup.startsWith(root + "/")) {
        rest = cgroup.substring(root.length());
      } else {
        continue;
      }
      String relative = rest.startsWith("/") ? rest.substring(1) : rest;
      return Optional.of(relative.isEmpty() ? Path.of(mountPoint) : Path.of(mountPoint, relative));
    }
    return Optional.empty();
  }

  /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
  private static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder b = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        b.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
