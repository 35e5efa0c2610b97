package io.netdrop.it;

import io.netdrop.testing.ForkedJvm;
import io.netdrop.testing.OtlpJson;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the soak of issue #11: {@link SoakScenarioApp} under the agent, in a network namespace of its
 * own, churning TCP and UDP connections for {@code churnSeconds}, then idle for {@code drainSeconds}
 * (longer than netdrop's 30 s grace period, so every closed socket's entries must be gone). Every
 * {@code tickSeconds} one {@link Row}: the application's counts and heap after a full GC, and what
 * netdrop last exported about itself — sockets tracked, entries per BPF map, events held back and
 * lost. Used by SoakIT (a minute) and bench/soak.sh (30 minutes, via {@link #main}).
 */
final class SoakDriver {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern KV = Pattern.compile("(\\w+)=(\\d+)");

  /** One tick. */
  record Row(
      long seconds, boolean churning, Map<String, Long> app, long tracked, Map<String, Long> maps, long heldBack, long lost) {
    long app(String key) {
      return app.getOrDefault(key, -1L);
    }

    long map(String name) {
      return maps.getOrDefault(name, -1L);
    }
  }

  /** What one soak measured. */
  static final class Result {
    final List<Row> rows = new ArrayList<>();
    String totalsLine = "";
    int exitCode;
    String output = "";
    List<String> agentProblems = new ArrayList<>();
  }

  private final int tcpPerSecond;
  private final int udpPerSecond;
  private final int churnSeconds;
  private final int drainSeconds;
  private final int tickSeconds;
  private final PrintStream live;

  SoakDriver(int tcpPerSecond, int udpPerSecond, int churnSeconds, int drainSeconds, int tickSeconds, PrintStream live) {
    this.tcpPerSecond = tcpPerSecond;
    this.udpPerSecond = udpPerSecond;
    this.churnSeconds = churnSeconds;
    this.drainSeconds = drainSeconds;
    this.tickSeconds = tickSeconds;
    this.live = live;
  }

  Result run() throws Exception {
    String netns = "nd-soak-" + ProcessHandle.current().pid();
    Result r = new Result();
    Commands.run("ip", "netns", "add", netns);
    try (AutoCloseable deleteNetns = () -> Commands.run("ip", "netns", "delete", netns)) {
      Commands.run("ip", "-n", netns, "link", "set", "lo", "up");
      try (ForkedJvm app =
          ForkedJvm.builder()
              // nsenter, not ip netns exec: that remounts /sys, hiding cgroup2 from the agent, which
              // would then run without its cgroup hooks (not the production path).
              .launcher("nsenter", "--net=/run/netns/" + netns)
              .jvmArg("-Xmx256m")
              .systemProperty("otel.metrics.exporter", "logging-otlp")
              .systemProperty("otel.logs.exporter", "none")
              .systemProperty("otel.traces.exporter", "none")
              .systemProperty("otel.metric.export.interval", String.valueOf(Math.max(1, tickSeconds / 2) * 1000))
              .systemProperty("otel.service.name", "soak")
              .systemProperty("netdrop.log-drops", "false")
              .mainClass(SoakScenarioApp.class.getName())
              .start()) {
        app.awaitLine("ready"::equals, TIMEOUT);
        app.awaitLine(l -> l.startsWith("netdrop: watching"), TIMEOUT);
        app.writeLine("go " + tcpPerSecond + " " + udpPerSecond + " " + churnSeconds);
        app.awaitLine("started"::equals, TIMEOUT);
        long start = System.nanoTime();
        live.println(header());
        int stderrSeen = 0;
        Row exported = new Row(0, true, Map.of(), -1, Map.of(), -1, -1);
        for (int t = tickSeconds; t <= churnSeconds + drainSeconds; t += tickSeconds) {
          long wait = start + t * 1_000_000_000L - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000);
          }
          app.writeLine("tick " + t);
          String prefix = "tick n=" + t + " ";
          String tick = app.awaitLine(l -> l.startsWith(prefix), TIMEOUT);
          List<String> stderr = app.stderr();
          exported = lastExport(stderr.subList(stderrSeen, stderr.size()), exported);
          stderrSeen = stderr.size();
          Row row = new Row(t, t <= churnSeconds, values(tick), exported.tracked(), exported.maps(), exported.heldBack(), exported.lost());
          r.rows.add(row);
          live.println(line(row));
        }
        app.writeLine("exit");
        r.exitCode = app.waitFor(TIMEOUT);
        for (String l : app.stderr()) {
          if (l.startsWith("netdrop: totals ")) {
            r.totalsLine = l;
          } else if (l.startsWith("netdrop: ") && !l.startsWith("netdrop: INFO") && !l.startsWith("netdrop: watching")) {
            r.agentProblems.add(l);
          }
        }
        r.output = app.describe();
      }
    }
    return r;
  }

  private static Map<String, Long> values(String line) {
    Map<String, Long> v = new TreeMap<>();
    Matcher m = KV.matcher(line.substring(line.indexOf(" tcp=")));
    while (m.find()) {
      v.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return v;
  }

  /** netdrop's health as of the last export among {@code lines}, or {@code previous} if none. */
  private static Row lastExport(List<String> lines, Row previous) {
    long tracked = previous.tracked();
    long heldBack = previous.heldBack();
    long lost = previous.lost();
    Map<String, Long> maps = previous.maps();
    for (Map<String, Object> m : OtlpJson.metrics(lines)) {
      switch (String.valueOf(m.get("name"))) {
        case "netdrop.socket.tracked" -> tracked = OtlpJson.asInt(OtlpJson.points(m).get(0));
        case "netdrop.event.held_back" -> heldBack = OtlpJson.asInt(OtlpJson.points(m).get(0));
        case "netdrop.event.lost" -> lost = OtlpJson.asInt(OtlpJson.points(m).get(0));
        case "netdrop.map.entries" -> {
          Map<String, Long> next = new TreeMap<>();
          for (Map<String, Object> p : OtlpJson.points(m)) {
            next.put(String.valueOf(OtlpJson.attributes(p.get("attributes")).get("netdrop.map.name")), OtlpJson.asInt(p));
          }
          maps = next;
        }
        default -> {}
      }
    }
    return new Row(0, true, Map.of(), tracked, maps, heldBack, lost);
  }

  static String header() {
    return "| t (s) | phase | TCP conns | UDP exchanges | refused | UDP overflows | failed | heap after GC (KB) | sockets tracked | map sockets | map ports | map tuples | map counts | held back | lost |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";
  }

  static String line(Row r) {
    return "| " + r.seconds() + " | " + (r.churning() ? "churn" : "idle") + " | " + r.app("tcp") + " | " + r.app("udp")
        + " | " + r.app("refused") + " | " + r.app("overflows") + " | " + r.app("failed")
        + " | " + r.app("heap_after_gc_kb") + " | " + r.tracked() + " | " + r.map("sockets") + " | " + r.map("ports")
        + " | " + r.map("tuples") + " | " + r.map("counts") + " | " + r.heldBack() + " | " + r.lost() + " |";
  }

  /** bench/soak.sh: {@code SoakDriver TCP_PER_S UDP_PER_S CHURN_S DRAIN_S TICK_S}; prints the table as it goes. */
  public static void main(String[] args) throws Exception {
    SoakDriver d =
        new SoakDriver(
            Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
            Integer.parseInt(args[3]), Integer.parseInt(args[4]), System.out);
    Result r = d.run();
    System.out.println();
    System.out.println("exit " + r.exitCode + "; " + r.totalsLine);
    for (String p : r.agentProblems) {
      System.out.println("agent said: " + p);
    }
  }
}
