package io.netdrop.agent.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whether the OpenTelemetry Java agent is in this JVM, and a bounded wait for the JVM's
 * {@code -javaagent} premain methods to return.
 *
 * <p>netdrop's own copy of the OpenTelemetry API reaches the OTel agent's SDK and spans only
 * through that agent's bridge, which must be installed before netdrop's copy first uses its
 * {@code Context}: the bridge hooks the context storage when it is created, once, and the agent's
 * later retransformation of the API classes does not create it again. With
 * {@code -javaagent:netdrop-agent.jar -javaagent:opentelemetry-javaagent.jar}, netdrop's start
 * thread runs while the OTel agent's premain is still to come or under way; measured with agent
 * 2.31.1, {@code Span.current()} of netdrop's copy then never sees the agent's spans, and a
 * {@code GlobalOpenTelemetry.get()} made before the agent's premain returns the no-op (later calls
 * are bridged). So netdrop's start thread ({@link AgentStarter}) calls {@link
 * #awaitPremainsDone(Duration)} before anything else; {@link #isPresent()} is reliable after it.
 */
public final class OtelJavaAgent {
  /**
   * How long netdrop waits for premains by default: 60 s. The OTel agent 2.31.1's premain took
   * 4–14 s on a busy two-CPU machine; the wait runs on netdrop's own thread, so a long bound costs
   * the application nothing, and a premain that never returns keeps the application's main from
   * running anyway.
   */
  public static final Duration DEFAULT_PREMAIN_TIMEOUT = Duration.ofSeconds(60);

  /** Put on the bootstrap class path by the OTel agent's premain, before anything else it does. */
  static final String AGENT_INITIALIZER = "io.opentelemetry.javaagent.bootstrap.AgentInitializer";
  /** The JDK class whose methods call each agent's premain (and agentmain); same on JDK 17 and 25. */
  private static final String INSTRUMENTATION_IMPL = "sun.instrument.InstrumentationImpl";
  private static final String CALL_PREMAIN = "loadClassAndCallPremain";
  private static final long POLL_MILLIS = 20;

  private OtelJavaAgent() {}

  /**
   * Returns whether the OpenTelemetry Java agent has started, or is starting, in this JVM (its
   * bootstrap classes are on the bootstrap class path). When the OTel agent's {@code -javaagent}
   * flag comes after netdrop's, this is false until that agent's premain runs: call it after
   * {@link #awaitPremainsDone(Duration)} returned true. It says nothing about whether the agent's
   * instrumentation is enabled ({@code otel.javaagent.enabled}).
   */
  public static boolean isPresent() {
    try {
      Class.forName(AGENT_INITIALIZER, false, null);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Waits until no thread of this JVM is inside an agent's premain method, or until {@code
   * timeout} has passed, polling all threads' stacks every 20 ms (about 45 µs a poll). Returns
   * within two polls when no premain runs (dynamic attach, or later than the JVM's start).
   *
   * <p>Call it from netdrop's own start thread, never from premain or the application's threads:
   * from inside a premain it cannot succeed and returns false at once.
   *
   * @return true when the premains are done; false on timeout, when called from a premain, or when
   *     the calling thread was interrupted (its interrupt status is then set again)
   */
  public static boolean awaitPremainsDone(Duration timeout) {
    if (callsPremain(Thread.currentThread().getStackTrace())) {
      return false;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    // Between two agents' premains the main thread is briefly in the JVM with no premain frame:
    // only two polls in a row that find no premain count as done.
    int quietPolls = 0;
    while (true) {
      quietPolls = anyThreadInPremain() ? 0 : quietPolls + 1;
      if (quietPolls == 2) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  private static boolean anyThreadInPremain() {
    for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
      if (callsPremain(thread.getValue())) {
        return true;
      }
    }
    return false;
  }

  static boolean callsPremain(StackTraceElement[] stack) {
    for (StackTraceElement frame : stack) {
      if (CALL_PREMAIN.equals(frame.getMethodName()) && INSTRUMENTATION_IMPL.equals(frame.getClassName())) {
        return true;
      }
    }
    return false;
  }
}
