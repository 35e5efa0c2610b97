package io.netdrop.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time of the benchmark threads per operation ({@code cpu.time.norm}, ns/op), beside the wall
 * time JMH measures: {@code -prof io.netdrop.bench.CpuTimeProfiler}. On a shared machine a thread
 * that waits for a CPU still counts wall time, so time per op swings with the neighbours' load;
 * its CPU time does not (cache and frequency effects of the neighbours remain). The threads are
 * JMH's {@code *-jmh-worker-*} threads of the fork, read with {@link ThreadMXBean#getThreadCpuTime}
 * before and after each iteration; ops are the iteration's measured operations, so for
 * single-threaded average-time benchmarks this is the CPU counterpart of the score.
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> before = new HashMap<>();

  @Override
  public String getDescription() {
    return "CPU time of the benchmark threads per operation";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    before.clear();
    for (Thread t : workers()) {
      before.put(t.getId(), THREADS.getThreadCpuTime(t.getId()));
    }
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long cpu = 0;
    for (Thread t : workers()) {
      long now = THREADS.getThreadCpuTime(t.getId());
      if (now >= 0) {
        cpu += now - before.getOrDefault(t.getId(), 0L);
      }
    }
    long ops = result.getMetadata().getMeasuredOps();
    if (ops <= 0) {
      return List.of();
    }
    return List.of(new ScalarResult("cpu.time.norm", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
  }

  private static List<Thread> workers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().contains("-jmh-worker-"))
        .toList();
  }
}
