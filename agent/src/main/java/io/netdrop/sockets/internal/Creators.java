package io.netdrop.sockets.internal;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Finds the application class that created a socket: the first frame on the current stack whose
 * class is not the JDK's, Netty's or netdrop's. Runs on the application's thread once per socket,
 * so it reads the stack the cheapest way the JVM offers: {@code SecurityManager.getClassContext()}
 * returns the classes of all frames in one native call (about a fifth of a {@link StackWalker}
 * walk, which builds an object per frame; bench/jmh CreatorBenchmark). Where that method is gone
 * (the SecurityManager class is deprecated for removal) it falls back to {@link StackWalker}.
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

  private static final String SELF = Creators.class.getName();
  private static final StackWalker WALKER = StackWalker.getInstance();
  private static final ClassContext CONTEXT = ClassContext.create();

  private final String[] skipped;
  private final ClassValue<Boolean> skippedClass =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          // Hidden classes (lambdas, method handles) are glue, never the application frame.
          return type.isHidden() || isSkipped(type.getName());
        }
      };
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
    Class<?>[] frames = CONTEXT == null ? null : CONTEXT.classes();
    if (frames == null) {
      return walkedFirstApplicationClass();
    }
    for (Class<?> frame : frames) {
      if (!skippedClass.get(frame)) {
        return frame.getName();
      }
    }
    return null;
  }

  /** {@link #firstApplicationClass()} through {@link StackWalker}, the fallback (public for the benchmark). */
  public String walkedFirstApplicationClass() {
    return WALKER.walk(firstApplicationFrame);
  }

  /** Whether {@link #firstApplicationClass()} reads the class context (else it walks). */
  static boolean readsClassContext() {
    return CONTEXT != null;
  }

  boolean isSkipped(String className) {
    if (className.equals(SELF) || className.startsWith(SELF + "$")) {
      return true;
    }
    for (String p : skipped) {
      if (className.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** Exposes the protected {@code getClassContext()}; never installed as a security manager. */
  @SuppressWarnings({"removal", "deprecation"})
  private static final class ClassContext extends SecurityManager {
    static ClassContext create() {
      try {
        ClassContext c = new ClassContext();
        return c.classes() != null ? c : null;
      } catch (RuntimeException | LinkageError e) {
        return null; // a JDK without SecurityManager: walk instead
      }
    }

    Class<?>[] classes() {
      return getClassContext();
    }
  }
}
