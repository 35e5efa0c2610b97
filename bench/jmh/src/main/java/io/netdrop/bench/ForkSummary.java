package io.netdrop.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A table of per-fork scores for A/B runs on a noisy machine, where a fork is the unit of
 * repetition: reads lines {@code variant<TAB>benchmark<TAB>unit<TAB>fork<TAB>score} on stdin (one
 * per measured iteration, or one per fork for a secondary result such as {@code
 * gc.alloc.rate.norm}) and prints, per benchmark and variant (in the order the variants first
 * appear, or in the order given as arguments), the median of the fork means with their range
 * (min–max) and the number of forks, and for each variant after the first the ratio of its median
 * to the first variant's (for B/op, where the first is often 0, the difference).
 */
public final class ForkSummary {
  private ForkSummary() {}

  public static void main(String[] args) throws IOException {
    // benchmark -> variant -> fork -> scores
    Map<String, Map<String, Map<String, List<Double>>>> runs = new TreeMap<>();
    Map<String, String> units = new TreeMap<>();
    List<String> variants = new ArrayList<>(List.of(args));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t");
      if (f.length != 5) {
        throw new IllegalArgumentException("expected variant, benchmark, unit, fork, score: " + line);
      }
      if (!variants.contains(f[0])) {
        variants.add(f[0]);
      }
      units.put(f[1], f[2]);
      runs.computeIfAbsent(f[1], b -> new LinkedHashMap<>())
          .computeIfAbsent(f[0], v -> new LinkedHashMap<>())
          .computeIfAbsent(f[3], k -> new ArrayList<>())
          .add(Double.parseDouble(f[4]));
    }
    System.out.printf(Locale.ROOT, "%-64s %-8s %-12s %32s %10s%n",
        "Benchmark", "Unit", "variant", "median of forks [min-max] (n)", "/ " + (variants.isEmpty() ? "" : variants.get(0)));
    runs.forEach((bench, byVariant) -> {
      String name = bench.replaceFirst("^io\\.netdrop\\.bench\\.", "");
      Double first = null;
      for (String v : variants) {
        Map<String, List<Double>> forks = byVariant.get(v);
        if (forks == null) {
          continue;
        }
        double[] means = forks.values().stream()
            .mapToDouble(s -> s.stream().mapToDouble(Double::doubleValue).average().orElseThrow())
            .sorted()
            .toArray();
        double median = median(means);
        String ratio = "";
        if (first == null) {
          first = median;
        } else if (units.get(bench).equals("B/op")) {
          ratio = String.format(Locale.ROOT, "%+.1f", median - first);
        } else if (first != 0) {
          ratio = String.format(Locale.ROOT, "%.3f", median / first);
        }
        System.out.printf(Locale.ROOT, "%-64s %-8s %-12s %32s %10s%n",
            name, units.get(bench), v,
            String.format(Locale.ROOT, "%s [%s-%s] (%d)",
                number(median), number(means[0]), number(means[means.length - 1]), means.length),
            ratio);
        name = "";
      }
    });
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String number(double x) {
    double a = Math.abs(x);
    return a >= 1000 ? String.format(Locale.ROOT, "%.0f", x)
        : a >= 10 ? String.format(Locale.ROOT, "%.1f", x)
        : a >= 0.01 ? String.format(Locale.ROOT, "%.2f", x)
        : a == 0 ? "0" : String.format(Locale.ROOT, "%.1g", x);
  }
}
