package io.netdrop.sockets.internal;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Finds the application class that created a socket: the first frame on the current stack whose
 * class is not the JDK's, Netty's or netdrop's. Runs on the application's thread once per socket,
 * so it reads the stack the cheapest way the running JDK offers, chosen once per JVM
 * ({@link Strategy#chosen()}):
 *
 * <ol>
 *   <li>JDK 22 and later: a {@link StackWalker} with {@code RETAIN_CLASS_REFERENCE} and {@code
 *       DROP_METHOD_INFO} that stops at the first application frame. Without method information
 *       the walk fills in only classes, and it stops early, so its cost hardly grows with the
 *       stack's depth: 0.65 / 0.72 / 0.86 µs with 15 / 60 / 150 frames on JDK 25, against 1.8 /
 *       4.0 / 8.2 µs for the class context, which always copies the whole stack.
 *   <li>JDK 17 to 21: {@code SecurityManager.getClassContext()}, all frames' classes in one native
 *       call: 1.2 / 2.2 / 4.4 µs on JDK 17, where a {@link StackWalker} (which must build a frame
 *       with method information) costs 2.5 to 3.3 µs even when it stops early.
 *   <li>Where neither is there (the SecurityManager class is deprecated for removal): a plain
 *       {@link StackWalker} walk ({@link #walkedFirstApplicationClass()}).
 * </ol>
 *
 * Numbers: a standalone loop with the creator 6 frames from the top and the rest of the stack
 * below it. bench/jmh RegistrationCostBenchmark {@code creatorNearTop*} measures the same shape
 * (this 2-CPU VM, 20 / 100 frames below the creator): on JDK 25 the walk costs 0.8 / 0.9 µs and
 * 656 bytes per call, the class context 3.4-3.8 / 8.2-8.5 µs; on JDK 17 the class context costs
 * 1.5 / 3.6 µs, a plain walk 3.3 / 3.7 µs. Every strategy gives the same answer; hidden classes
 * (lambda and method handle glue) never count as the application.
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

  /**
   * Frames the class walk fetches in its first batch. A socket's creator is typically within
   * the first dozen frames (the agent's, the JDK's socket classes, then the application); the
   * walk fetches more in growing batches when it must.
   */
  static final int ESTIMATED_DEPTH = 8;

  /** How to read the stack; each gives the same answer. */
  public enum Strategy {
    /** A short-circuiting {@link StackWalker} walk over classes only ({@code DROP_METHOD_INFO}, JDK 22+). */
    DROP_METHOD_INFO_WALK,
    /** {@code SecurityManager.getClassContext()}: every frame's class in one native call. */
    CLASS_CONTEXT,
    /** A short-circuiting {@link StackWalker} walk over full frames (class names); always there. */
    STACK_WALK;

    /** Whether the running JDK supports this strategy. */
    public boolean isAvailable() {
      if (this == DROP_METHOD_INFO_WALK) {
        return CLASS_WALKER != null;
      }
      return this != CLASS_CONTEXT || CONTEXT != null;
    }

    /** The cheapest strategy the running JDK supports, the one {@link #standard()} uses. */
    public static Strategy chosen() {
      return CHOSEN;
    }
  }

  private static final String SELF = Creators.class.getName();
  private static final StackWalker WALKER = StackWalker.getInstance();
  private static final StackWalker CLASS_WALKER = classWalker();
  private static final ClassContext CONTEXT = ClassContext.create();
  private static final Strategy CHOSEN =
      CLASS_WALKER != null
          ? Strategy.DROP_METHOD_INFO_WALK
          : CONTEXT != null ? Strategy.CLASS_CONTEXT : Strategy.STACK_WALK;

  private final String[] skipped;
  private final Strategy strategy;
  private final ClassValue<Boolean> skippedClass =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          // Hidden classes (lambdas, method handles) are glue, never the application frame.
          return type.isHidden() || isSkipped(type.getName());
        }
      };
  // The walk functions and their predicates live in fields so that a lookup captures no lambda.
  private final Predicate<Class<?>> applicationClass = type -> !skippedClass.get(type);
  private final Predicate<String> applicationClassName = name -> !isSkipped(name);
  private final Function<Stream<StackWalker.StackFrame>, Class<?>> firstApplicationFrameClass =
      frames ->
          frames
              .map(StackWalker.StackFrame::getDeclaringClass)
              .filter(applicationClass)
              .findFirst()
              .orElse(null);
  private final Function<Stream<StackWalker.StackFrame>, String> firstApplicationFrame =
      frames ->
          frames
              .map(StackWalker.StackFrame::getClassName)
              .filter(applicationClassName)
              .findFirst()
              .orElse(null);

  private Creators(List<String> skipped, Strategy strategy) {
    this.skipped = skipped.toArray(new String[0]);
    this.strategy = strategy;
  }

  /** Skips {@link #SKIPPED}. */
  public static Creators standard() {
    return new Creators(SKIPPED, CHOSEN);
  }

  /** Skips the given prefixes instead; for tests and embedders. */
  public static Creators skipping(List<String> prefixes) {
    return new Creators(List.copyOf(prefixes), CHOSEN);
  }

  /**
   * Skips the given prefixes and reads the stack by {@code strategy} rather than the chosen one;
   * for tests and the benchmark.
   *
   * @throws IllegalArgumentException if the running JDK does not support {@code strategy}
   */
  public static Creators skipping(List<String> prefixes, Strategy strategy) {
    if (!strategy.isAvailable()) {
      throw new IllegalArgumentException(
          "creator strategy " + strategy + " is not available on Java " + Runtime.version().feature()
              + (strategy == Strategy.DROP_METHOD_INFO_WALK ? " (StackWalker.Option.DROP_METHOD_INFO needs 22+)" : ""));
    }
    return new Creators(List.copyOf(prefixes), strategy);
  }

  /** The first application class on the caller's stack, or null if there is none. */
  public String firstApplicationClass() {
    if (strategy == Strategy.DROP_METHOD_INFO_WALK) {
      Class<?> type = CLASS_WALKER.walk(firstApplicationFrameClass);
      return type == null ? null : type.getName();
    }
    if (strategy == Strategy.CLASS_CONTEXT) {
      Class<?>[] frames = CONTEXT.classes();
      if (frames != null) {
        for (Class<?> frame : frames) {
          if (!skippedClass.get(frame)) {
            return frame.getName();
          }
        }
        return null;
      }
    }
    return walkedFirstApplicationClass();
  }

  /** {@link #firstApplicationClass()} through a plain {@link StackWalker}, the last fallback (public for the benchmark). */
  public String walkedFirstApplicationClass() {
    return WALKER.walk(firstApplicationFrame);
  }

  /** How this instance reads the stack. */
  Strategy strategy() {
    return strategy;
  }

  boolean isSkipped(Class<?> type) {
    return skippedClass.get(type);
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

  /** The class-only walker, or null before JDK 22 (the agent is compiled for 17: look the option up by name). */
  private static StackWalker classWalker() {
    try {
      StackWalker.Option dropMethodInfo = StackWalker.Option.valueOf("DROP_METHOD_INFO");
      return StackWalker.getInstance(
          Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE, dropMethodInfo), ESTIMATED_DEPTH);
    } catch (IllegalArgumentException e) {
      return null; // before JDK 22
    } catch (SecurityException e) {
      return null; // JDK 22-23 with a security manager that denies getStackWalkerWithClassReference
    }
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
