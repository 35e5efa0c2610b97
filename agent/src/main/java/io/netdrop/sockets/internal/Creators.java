package io.netdrop.sockets.internal;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Finds the application class that created a socket: the first frame on the current stack whose
 * class is not the JDK's, Netty's or netdrop's. Costs a partial stack walk (see {@code
 * RegistrySocketEvents#CAPTURE_CREATOR} for the measurement), so callers make it optional.
 */
public final class Creators {
  /**
   * Class-name prefixes that are never "the application": the JDK, Netty, and netdrop's own
   * packages on a socket event's path (named one by one, so an application package under
   * {@code io.netdrop}, like the integration tests' apps, still counts).
   */
  public static final List<String> SKIPPED =
      List.of(
          "java.", "javax.", "jdk.", "sun.", "com.sun.", "io.netty.",
          "io.netdrop.bootstrap.", "io.netdrop.sockets.", "io.netdrop.agent.",
          "io.netdrop.instrumentation.");

  private static final StackWalker WALKER = StackWalker.getInstance();
  private static final String SELF = Creators.class.getName();

  private final String[] skipped;
  private final Function<Stream<StackWalker.StackFrame>, String> firstApplicationFrame;

  private Creators(List<String> skipped) {
    this.skipped = skipped.toArray(new String[0]);
    this.firstApplicationFrame =
        frames ->
            frames
                .map(StackWalker.StackFrame::getClassName)
                .filter(name -> !isSkipped(name))
                .findFirst()
                .orElse(null);
  }

  /** Skips {@link #SKIPPED}. */
  public static Creators standard() {
    return new Creators(SKIPPED);
  }

  /** Skips the given prefixes instead; for tests and embedders. */
  public static Creators skipping(List<String> prefixes) {
    return new Creators(List.copyOf(prefixes));
  }

  /** The first application class on the caller's stack, or null if there is none. */
  public String firstApplicationClass() {
    return WALKER.walk(firstApplicationFrame);
  }

  boolean isSkipped(String className) {
    if (className.equals(SELF)) {
      return true;
    }
    for (String p : skipped) {
      if (className.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
