package io.netdrop.bpf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs, which is how many values the kernel copies for a per-CPU map
 * element. Read once from {@code /sys/devices/system/cpu/possible}.
 */
public final class PossibleCpus {
  private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");
  private static volatile int count;

  private PossibleCpus() {}

  /** The number of possible CPUs (at least 1); throws {@link BpfException} if sysfs is unreadable. */
  public static int count() {
    int n = count;
    if (n == 0) {
      try {
        n = parse(new String(Files.readAllBytes(POSSIBLE), StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new BpfException("cannot read " + POSSIBLE + ": " + e, e);
      }
      count = n;
    }
    return n;
  }

  /**
   * Counts the CPUs in a kernel CPU list such as {@code 0-1} or {@code 0,2-5}; throws {@link
   * BpfException} quoting the text if it is malformed.
   */
  public static int parse(String cpuList) {
    String text = cpuList.trim();
    if (text.isEmpty()) {
      throw new BpfException("empty possible-CPU list");
    }
    long total = 0;
    for (String part : text.split(",", -1)) {
      int dash = part.indexOf('-');
      try {
        int first = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
        int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1));
        if (first < 0 || last < first) {
          throw new NumberFormatException("bad range");
        }
        total += (long) last - first + 1;
      } catch (NumberFormatException e) {
        throw new BpfException("malformed CPU list '" + text + "' at '" + part + "'");
      }
    }
    if (total > 1 << 16) {
      throw new BpfException("implausible CPU list '" + text + "' (" + total + " CPUs)");
    }
    return (int) total;
  }
}
