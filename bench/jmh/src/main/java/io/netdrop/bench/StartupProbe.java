package io.netdrop.bench;

import java.time.Instant;

/**
 * A trivial application for bench/socket-overhead.sh's start-up timing: prints the wall-clock
 * time (epoch ns) at which {@code main} began and, after {@link AgentCheck#verify()} (which waits
 * for the agent when {@code -Dnetdrop.bench.agent=on}), the time at which the agent was ready:
 * {@code main=<ns> ready=<ns>}. The script subtracts the time it launched the JVM.
 */
public final class StartupProbe {
  private StartupProbe() {}

  public static void main(String[] args) {
    long main = epochNanos(Instant.now());
    AgentCheck.verify();
    long ready = epochNanos(Instant.now());
    System.out.println("main=" + main + " ready=" + ready);
  }

  private static long epochNanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
