package io.netdrop.bench;

import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

/**
 * Makes a with/without-agent comparison fail loudly instead of silently comparing two runs
 * without it. The system property {@value #PROPERTY} says what the fork expects: {@code on} (the
 * netdrop agent must be running, and its start-up must have finished before the first
 * measurement), {@code off} (no agent may be present) or unset (no check).
 *
 * <p>The agent claims {@code io.netdrop.bootstrap.AgentPresence} synchronously in premain but
 * loads BPF and weaves the JDK's socket classes on its {@code netdrop-start} thread, which ends
 * once the {@code netdrop: watching} line is printed; readiness is therefore "claimed, the start
 * thread gone and the reader thread alive". AgentPresence is looked up on the bootstrap class path
 * only, where it exists only when the agent appended its jar: the copy shaded into the
 * benchmarks jar does not count.
 */
final class AgentCheck {
  static final String PROPERTY = "netdrop.bench.agent";
  private static final long START_TIMEOUT_SECONDS = 60;

  private AgentCheck() {}

  /** Checks the expectation, waiting for the agent's start-up to finish when it is expected. */
  static void verify() {
    String expected = System.getProperty(PROPERTY, "");
    switch (expected) {
      case "" -> {}
      case "off" -> {
        if (claimed()) {
          throw new IllegalStateException(PROPERTY + "=off but a netdrop agent runs in this JVM");
        }
      }
      case "on" -> awaitAgent();
      default -> throw new IllegalArgumentException(
          PROPERTY + ": '" + expected + "' is neither on nor off");
    }
  }

  private static void awaitAgent() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      if (claimed() && !threadAlive("netdrop-start")) {
        if (!threadAlive("netdrop-reader")) {
          throw new IllegalStateException(
              PROPERTY + "=on but the netdrop agent did not start (see its line on stderr)");
        }
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the netdrop agent", e);
      }
    }
    throw new IllegalStateException(
        PROPERTY + "=on but the netdrop agent was not running within "
            + START_TIMEOUT_SECONDS + " s (is -javaagent given?)");
  }

  private static boolean claimed() {
    try {
      Class<?> presence = Class.forName("io.netdrop.bootstrap.AgentPresence", false, null);
      Method isClaimed = presence.getMethod("isClaimed");
      return (Boolean) isClaimed.invoke(null);
    } catch (ClassNotFoundException notOnBootClassPath) {
      return false;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot ask AgentPresence whether netdrop runs", e);
    }
  }

  private static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && name.equals(t.getName()));
  }
}
