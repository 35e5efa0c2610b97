package io.netdrop.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numeric part of a kernel release ({@code uname -r}); distribution suffixes such as
 * {@code -91-generic} or {@code -rc7} are ignored. Ordered by major, then minor, then patch.
 */
public record KernelVersion(int major, int minor, int patch) implements Comparable<KernelVersion> {

  private static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");

  // The patch level is optional ("6.8" exists). The suffix must not start with a digit, so an
  // absurdly long number is rejected instead of overflowing int.
  private static final Pattern RELEASE = Pattern.compile("(\\d{1,9})\\.(\\d{1,9})(?:\\.(\\d{1,9}))?(?:\\D.*)?");

  public KernelVersion {
    if (major < 0 || minor < 0 || patch < 0) {
      throw new IllegalArgumentException(
          "kernel version parts must not be negative: " + major + "." + minor + "." + patch);
    }
  }

  /**
   * Parses a release such as {@code "6.18.44-fc-v782"}, {@code "5.15.0-91-generic"} or
   * {@code "6.1.0-rc7"}; surrounding whitespace is ignored.
   *
   * @throws KernelFormatException if the text does not start with {@code major.minor}
   */
  public static KernelVersion parse(String release) {
    if (release == null) {
      throw new KernelFormatException("kernel release is null");
    }
    Matcher m = RELEASE.matcher(release.strip());
    if (!m.matches()) {
      throw new KernelFormatException(
          "not a kernel release (expected major.minor[.patch][suffix]): '" + release + "'");
    }
    int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), patch);
  }

  /**
   * The version of the running kernel, from {@code /proc/sys/kernel/osrelease}.
   *
   * @throws KernelFormatException if the file cannot be read or does not hold a release
   */
  public static KernelVersion running() {
    try {
      return parse(Files.readString(OSRELEASE));
    } catch (IOException e) {
      throw new KernelFormatException("cannot read " + OSRELEASE + ": " + e, e);
    }
  }

  /** True if this version is {@code major.minor} or newer, whatever its patch level. */
  public boolean atLeast(int major, int minor) {
    return this.major != major ? this.major > major : this.minor >= minor;
  }

  @Override
  public int compareTo(KernelVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
