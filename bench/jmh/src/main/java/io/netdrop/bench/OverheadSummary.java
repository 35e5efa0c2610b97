package io.netdrop.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.stat.inference.TTest;
import org.openjdk.jmh.util.ListStatistics;

/**
 * The with/without-agent table of bench/socket-overhead.sh. Reads lines {@code
 * variant<TAB>benchmark<TAB>unit<TAB>score} on stdin, one per measurement iteration of any fork
 * and round (variant is {@code without} or {@code with}, or the two names given as arguments,
 * e.g. {@code before now}), and prints per benchmark: each
 * variant's mean ± its 99.9% confidence half-width over all iterations (as JMH computes it), the
 * ratio with/without, the cost factor (how many times longer an op takes with the agent; above 1
 * is slower) with its error propagated from both half-widths, and Welch's t-test p-value for "the
 * means differ".
 */
public final class OverheadSummary {
  private static final double CONFIDENCE = 0.999;

  private OverheadSummary() {}

  public static void main(String[] args) throws IOException {
    String first = args.length == 2 ? args[0] : "without";
    String second = args.length == 2 ? args[1] : "with";
    Map<String, Bench> benches = new TreeMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t");
      if (f.length != 4) {
        throw new IllegalArgumentException("expected variant, benchmark, unit, score: " + line);
      }
      Bench b = benches.computeIfAbsent(f[1], name -> new Bench(f[2]));
      if (f[0].equals(first)) {
        b.without.add(Double.parseDouble(f[3]));
      } else if (f[0].equals(second)) {
        b.with.add(Double.parseDouble(f[3]));
      } else {
        throw new IllegalArgumentException("unknown variant '" + f[0] + "': " + line);
      }
    }
    System.out.printf(
        Locale.ROOT, "%-52s %-6s %24s %24s %8s %16s %8s%n",
        "Benchmark", "Unit", first + " (99.9% CI)", second + " (99.9% CI)", "ratio", "cost", "p");
    benches.forEach((name, b) -> System.out.println(b.row(name)));
  }

  private static final class Bench {
    final String unit;
    final List<Double> without = new ArrayList<>();
    final List<Double> with = new ArrayList<>();

    Bench(String unit) {
      this.unit = unit;
    }

    String row(String name) {
      String shortName = name.replaceFirst("^io\\.netdrop\\.bench\\.", "");
      if (without.size() < 2 || with.size() < 2) {
        return String.format(
            Locale.ROOT, "%-52s %-6s missing iterations (without n=%d, with n=%d)",
            shortName, unit, without.size(), with.size());
      }
      double[] ws = values(without);
      double[] as = values(with);
      ListStatistics sw = new ListStatistics(ws);
      ListStatistics sa = new ListStatistics(as);
      double w = sw.getMean();
      double a = sa.getMean();
      double ew = sw.getMeanErrorAt(CONFIDENCE);
      double ea = sa.getMeanErrorAt(CONFIDENCE);
      double ratio = a / w;
      // Time per op for ns/op; for ops/s the reciprocal, so "cost" > 1 always means slower.
      boolean throughput = unit.endsWith("/s");
      double cost = throughput ? w / a : ratio;
      double costError = cost * Math.hypot(ew / w, ea / a);
      double p = new TTest().tTest(ws, as);
      return String.format(
          Locale.ROOT, "%-52s %-6s %24s %24s %8.3f %16s %8.2g",
          shortName, unit, score(w, ew, ws.length), score(a, ea, as.length), ratio,
          String.format(Locale.ROOT, "%.3f ± %.3f", cost, costError), p);
    }

    private static double[] values(List<Double> scores) {
      return scores.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static String score(double mean, double error, long n) {
      return String.format(Locale.ROOT, "%.1f ± %.1f (n=%d)", mean, error, n);
    }
  }
}
