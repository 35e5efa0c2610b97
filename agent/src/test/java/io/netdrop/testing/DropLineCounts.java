package io.netdrop.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How many drops a console drop line stands for: a folded burst ends {@code count=N over Tms}. */
public final class DropLineCounts {
  private static final Pattern FOLDED = Pattern.compile(" count=(\\d+) over \\d+ms$");

  private DropLineCounts() {}

  /** N for a folded burst's line, else 1. */
  public static long dropsIn(String line) {
    Matcher m = FOLDED.matcher(line);
    return m.find() ? Long.parseLong(m.group(1)) : 1;
  }
}
