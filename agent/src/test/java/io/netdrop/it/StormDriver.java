package io.netdrop.it;

import io.netdrop.testing.ForkedJvm;
import io.netdrop.testing.OtlpJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the storms of issue #11 against {@link StormScenarioApp} in a network namespace of its own:
 * a UDP flood into its slowly read socket (bench/flood.c, sendmmsg) and a SYN flood (hping3) at its
 * listener with a full accept queue, each for {@code stormSeconds}, then briefly a SYN flood at a
 * listener with room in its queue (no overflow: the kernel answers each SYN), with the application's own
 * requests running throughout. Collects what netdrop exported, the kernel's own counts, the agent's
 * CPU and the requests' latencies. Used by StormIT (seconds) and bench/storm.sh (a minute, via
 * {@link #main}).
 */
final class StormDriver {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  /** What one run measured. */
  static final class Result {
    boolean agent;
    int udpPort;
    int listenPort;
    /** A listener with room in its accept queue, flooded with SYNs after the full one. */
    int roomyPort;
    /** Last exported netdrop.packet.dropped of reason LISTEN_OVERFLOW on the roomy listener's port. */
    long metricRoomyOverflow;
    /** Last exported netdrop.packet.dropped of reason NOT_SPECIFIED on the roomy listener's port. */
    long metricRoomyNotSpecified;
    double udpRate;
    double synRate;
    long rcvbufErrors;
    long listenOverflows;
    long listenDrops;
    /** bpftrace's count of kfree_skb in the namespace by reason name (only when asked for). */
    Map<String, Long> bpftrace = new LinkedHashMap<>();
    /** Last exported netdrop.packet.dropped of reason SOCKET_RCVBUFF on the UDP port. */
    long metricRcvbuff;
    /** Last exported netdrop.packet.dropped of reason LISTEN_OVERFLOW on the listener's port. */
    long metricListenOverflow;
    /** Last exported netdrop.packet.dropped summed over every kfree_skb reason (LISTEN_OVERFLOW excluded). */
    long metricKfreeSkb;
    long heldBack;
    long lost;
    /** Drops the exported log records stand for, by reason (linux.skb.drop.count summed). */
    Map<String, Long> logged = new LinkedHashMap<>();
    /** Per phase: requests n, failed, p50_us, p99_us, max_us. */
    Map<String, long[]> requests = new LinkedHashMap<>();
    /** Per phase: agent cpu_ms, wall_ms. */
    Map<String, long[]> agentCpu = new LinkedHashMap<>();
    String agentThreads = "";
    long heapAfterGcKb;
    long exitCode;
    String totalsLine = "";
    String output = "";

    long loggedKfreeSkb() {
      long n = 0;
      for (Map.Entry<String, Long> e : logged.entrySet()) {
        if (!e.getKey().equals("LISTEN_OVERFLOW")) {
          n += e.getValue();
        }
      }
      return n;
    }

    long failedRequests() {
      long n = 0;
      for (long[] r : requests.values()) {
        n += r[1];
      }
      return n;
    }
  }

  private final int stormSeconds;
  private final int calmSeconds;
  private final boolean agent;
  private final boolean bpftrace;

  StormDriver(int stormSeconds, int calmSeconds, boolean agent, boolean bpftrace) {
    this.stormSeconds = stormSeconds;
    this.calmSeconds = calmSeconds;
    this.agent = agent;
    this.bpftrace = bpftrace;
  }

  Result run() throws Exception {
    String netns = "nd-storm-" + ProcessHandle.current().pid();
    Path flood = compileFlood();
    Result r = new Result();
    r.agent = agent;
    Commands.run("ip", "netns", "add", netns);
    Process trace = null;
    try (AutoCloseable deleteNetns = () -> Commands.run("ip", "netns", "delete", netns)) {
      Commands.run("ip", "-n", netns, "link", "set", "lo", "up");
      if (bpftrace) {
        trace = startBpftrace(netns);
      }
      ForkedJvm.Builder b =
          ForkedJvm.builder()
              // nsenter, not ip netns exec: that remounts /sys, hiding cgroup2 from the agent, which
              // would then run without its cgroup hooks (not the production path).
              .launcher("nsenter", "--net=/run/netns/" + netns)
              .jvmArg("-Xmx256m")
              .systemProperty("otel.metrics.exporter", "logging-otlp")
              .systemProperty("otel.logs.exporter", "logging-otlp")
              .systemProperty("otel.traces.exporter", "none")
              .systemProperty("otel.metric.export.interval", "1000")
              .systemProperty("otel.blrp.schedule.delay", "200")
              .systemProperty("otel.service.name", "storm")
              .mainClass(StormScenarioApp.class.getName());
      if (!agent) {
        b.withoutAgent();
      }
      try (ForkedJvm app = b.start()) {
        app.awaitLine("ready"::equals, TIMEOUT);
        if (agent) {
          app.awaitLine(l -> l.startsWith("netdrop: watching"), TIMEOUT);
        }
        app.writeLine("go");
        r.udpPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("udp-port "), TIMEOUT).substring(9));
        r.listenPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("listen-port "), TIMEOUT).substring(12));
        r.roomyPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("roomy-port "), TIMEOUT).substring(11));
        app.awaitLine("started"::equals, TIMEOUT);
        Thread.sleep(calmSeconds * 1000L);

        app.writeLine("phase udp");
        String udp =
            Commands.run(
                "ip", "netns", "exec", netns, flood.toString(), String.valueOf(r.udpPort), "0",
                String.valueOf(stormSeconds));
        r.udpRate = rate(udp, Pattern.compile("([0-9.]+)/s"));

        app.writeLine("phase between");
        Thread.sleep(calmSeconds * 1000L);
        app.writeLine("phase syn");
        long synSent = synFlood(netns, r.listenPort, stormSeconds);
        r.synRate = synSent / (double) stormSeconds;

        app.writeLine("phase roomy");
        synFlood(netns, r.roomyPort, Math.max(2, stormSeconds / 4));

        app.writeLine("phase after");
        Thread.sleep(calmSeconds * 1000L);
        app.writeLine("unclog");
        app.awaitLine("unclogged"::equals, TIMEOUT);
        Thread.sleep(1_500); // the listener's last drops reach netdrop's next poll (once a second)
        int from = app.stdout().size();
        app.writeLine("report");
        app.awaitLine("reported"::equals, TIMEOUT);
        Thread.sleep(3_000); // the last fold window closes and the last export runs
        readReport(app.stdout().subList(from, app.stdout().size()), r);
        List<String> stderr = app.stderr();
        readExports(stderr, r);
        app.writeLine("exit");
        r.exitCode = app.waitFor(TIMEOUT);
        for (String l : app.stderr()) {
          if (l.startsWith("netdrop: totals ")) {
            r.totalsLine = l;
          }
        }
        r.output = app.describe();
      }
      if (trace != null) {
        readBpftrace(trace, r);
      }
    } finally {
      if (trace != null) {
        trace.destroyForcibly();
      }
    }
    return r;
  }

  /** bench/flood.c, built once into target/ (the CI image has a C compiler, as it has hping3). */
  static Path compileFlood() throws IOException, InterruptedException {
    Path out = ForkedJvm.moduleDir().resolve("target/storm-flood");
    if (!Files.isExecutable(out)) {
      Path src = ForkedJvm.moduleDir().getParent().resolve("bench/flood.c");
      Commands.run("cc", "-O2", "-o", out.toString(), src.toString());
    }
    return out;
  }

  private static long synFlood(String netns, int port, int seconds) throws Exception {
    // hping3 prints its count when interrupted; timeout sends SIGINT after the storm.
    Process p =
        new ProcessBuilder(
                "ip", "netns", "exec", netns, "timeout", "-s", "INT", String.valueOf(seconds),
                "hping3", "-q", "-S", "-p", String.valueOf(port), "--flood", "127.0.0.1")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m = Pattern.compile("(\\d+) packets transmitted").matcher(out);
    if (!m.find()) {
      throw new IOException("hping3 said no count: " + out);
    }
    return Long.parseLong(m.group(1));
  }

  private static double rate(String out, Pattern p) throws IOException {
    Matcher m = p.matcher(out);
    if (!m.find()) {
      throw new IOException("no rate in: " + out);
    }
    return Double.parseDouble(m.group(1));
  }

  private static Process startBpftrace(String netns) throws Exception {
    long inum = Long.parseLong(Commands.run("stat", "-Lc", "%i", "/run/netns/" + netns).trim());
    // Every kfree_skb of the namespace, by reason: the UDP overflows must show here as
    // SOCKET_RCVBUFF, and the refused SYNs must not show at all (they are consumed).
    String program =
        "tracepoint:skb:kfree_skb { $d = ((struct sk_buff *)args->skbaddr)->dev; "
            + "if ($d != 0 && $d->nd_net.net->ns.inum == " + inum + ") { @r[args->reason] = count(); } }";
    Process p = new ProcessBuilder("bpftrace", "-e", program).redirectErrorStream(true).start();
    java.io.BufferedReader in =
        new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String l; (l = in.readLine()) != null; ) {
      if (l.startsWith("Attaching")) {
        return p;
      }
    }
    throw new IOException("bpftrace did not start");
  }

  private static void readBpftrace(Process p, Result r) throws Exception {
    new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m = Pattern.compile("@r\\[([A-Z_0-9]+)\\]: (\\d+)").matcher(out);
    while (m.find()) {
      r.bpftrace.put(m.group(1), Long.parseLong(m.group(2)));
    }
  }

  private static void readReport(List<String> lines, Result r) {
    Pattern kv = Pattern.compile("(\\w+)=(\\d+)");
    for (String l : lines) {
      String[] w = l.split(" ");
      Map<String, Long> v = new LinkedHashMap<>();
      Matcher m = kv.matcher(l);
      while (m.find()) {
        v.put(m.group(1), Long.parseLong(m.group(2)));
      }
      switch (w[0]) {
        case "requests" -> r.requests.put(w[1], new long[] {v.get("n"), v.get("failed"), v.get("p50_us"), v.get("p99_us"), v.get("max_us")});
        case "agent-cpu" -> r.agentCpu.put(w[1], new long[] {v.get("cpu_ms"), v.get("wall_ms")});
        case "agent-threads" -> r.agentThreads = l.substring(14);
        case "counters" -> {
          r.rcvbufErrors = v.get("RcvbufErrors");
          r.listenOverflows = v.get("ListenOverflows");
          r.listenDrops = v.get("ListenDrops");
        }
        case "heap" -> r.heapAfterGcKb = v.get("used_after_gc_kb");
        default -> {}
      }
    }
  }

  private static void readExports(List<String> stderr, Result r) {
    Map<String, Object> dropped = null;
    Map<String, Object> heldBack = null;
    Map<String, Object> lost = null;
    for (Map<String, Object> m : OtlpJson.metrics(stderr)) {
      switch (String.valueOf(m.get("name"))) {
        case "netdrop.packet.dropped" -> dropped = m;
        case "netdrop.event.held_back" -> heldBack = m;
        case "netdrop.event.lost" -> lost = m;
        default -> {}
      }
    }
    if (dropped != null) {
      for (Map<String, Object> point : OtlpJson.points(dropped)) {
        Map<String, Object> a = OtlpJson.attributes(point.get("attributes"));
        Object reason = a.get("linux.skb.drop.reason");
        Object port = a.get("network.local.port");
        long n = OtlpJson.asInt(point);
        if ("LISTEN_OVERFLOW".equals(reason)) {
          if (Long.valueOf(r.listenPort).equals(port)) {
            r.metricListenOverflow += n;
          } else if (Long.valueOf(r.roomyPort).equals(port)) {
            r.metricRoomyOverflow += n;
          }
          continue;
        }
        if ("NOT_SPECIFIED".equals(reason) && Long.valueOf(r.roomyPort).equals(port)) {
          r.metricRoomyNotSpecified += n;
        }
        r.metricKfreeSkb += n;
        if ("SOCKET_RCVBUFF".equals(reason) && Long.valueOf(r.udpPort).equals(port)) {
          r.metricRcvbuff += n;
        }
      }
    }
    r.heldBack = heldBack == null ? -1 : OtlpJson.asInt(OtlpJson.points(heldBack).get(0));
    r.lost = lost == null ? -1 : OtlpJson.asInt(OtlpJson.points(lost).get(0));
    for (Map<String, Object> rec : OtlpJson.logRecords(stderr)) {
      Map<String, Object> a = OtlpJson.attributes(rec.get("attributes"));
      Object count = a.get("linux.skb.drop.count");
      if (count instanceof Long n) {
        r.logged.merge(String.valueOf(a.get("linux.skb.drop.reason")), n, Long::sum);
      }
    }
  }

  /**
   * bench/storm.sh: {@code StormDriver SECONDS CALM_SECONDS REPEATS [BPFTRACE]} runs REPEATS pairs
   * (without the agent, then with it) and prints markdown tables; with BPFTRACE true a bpftrace
   * counter on kfree_skb runs in both.
   */
  public static void main(String[] args) throws Exception {
    int seconds = Integer.parseInt(args[0]);
    int calm = Integer.parseInt(args[1]);
    int repeats = Integer.parseInt(args[2]);
    boolean trace = args.length > 3 && Boolean.parseBoolean(args[3]);
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < repeats; i++) {
      for (boolean withAgent : new boolean[] {false, true}) {
        Result r = new StormDriver(seconds, calm, withAgent, trace).run();
        results.add(r);
        System.err.println("run " + (i + 1) + (withAgent ? " with" : " without") + " the agent: done");
      }
    }
    System.out.println(StormTable.markdown(results, seconds, calm));
  }
}
