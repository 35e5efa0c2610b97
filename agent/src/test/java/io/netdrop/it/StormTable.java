package io.netdrop.it;

import java.util.List;

/** The markdown bench/storm.sh prints: one row per run, then the requests' latencies per phase. */
final class StormTable {
  private StormTable() {}

  static String markdown(List<StormDriver.Result> results, int seconds, int calm) {
    StringBuilder b = new StringBuilder();
    b.append("Storms of ").append(seconds).append(" s each, ").append(calm).append(" s calm before, between and after.\n\n");
    b.append("| run | agent | UDP flood /s | SYN flood /s | Udp RcvbufErrors | metric SOCKET_RCVBUFF | bpftrace kfree_skb | ListenOverflows | ListenDrops | metric LISTEN_OVERFLOW | roomy listener: metric LISTEN_OVERFLOW / NOT_SPECIFIED | metric, all kfree_skb reasons | held back | logged | lost | agent CPU udp / syn (cores) | heap after GC |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    int i = 0;
    for (StormDriver.Result r : results) {
      i++;
      b.append("| ").append(i).append(" | ").append(r.agent ? "yes" : "no")
          .append(" | ").append(Math.round(r.udpRate))
          .append(" | ").append(Math.round(r.synRate))
          .append(" | ").append(r.rcvbufErrors)
          .append(" | ").append(r.agent ? String.valueOf(r.metricRcvbuff) : "–")
          .append(" | ").append(r.bpftrace.isEmpty() ? "–" : r.bpftrace.toString())
          .append(" | ").append(r.listenOverflows)
          .append(" | ").append(r.listenDrops)
          .append(" | ").append(r.agent ? String.valueOf(r.metricListenOverflow) : "–")
          .append(" | ").append(r.agent ? r.metricRoomyOverflow + " / " + r.metricRoomyNotSpecified : "–")
          .append(" | ").append(r.agent ? String.valueOf(r.metricKfreeSkb) : "–")
          .append(" | ").append(r.agent ? String.valueOf(r.heldBack) : "–")
          .append(" | ").append(r.agent ? String.valueOf(r.loggedKfreeSkb()) : "–")
          .append(" | ").append(r.agent ? String.valueOf(r.lost) : "–")
          .append(" | ").append(r.agent ? cores(r, "udp") + " / " + cores(r, "syn") : "–")
          .append(" | ").append(r.heapAfterGcKb / 1024).append(" MB |\n");
    }
    b.append("\nApplication requests (64-byte echo every ms, new connection every 50), p50 / p99 / max in µs, failed:\n\n");
    b.append("| run | agent | calm | UDP storm | between | SYN storm | SYN flood, roomy listener | after | failed | p99 storm / calm |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    i = 0;
    for (StormDriver.Result r : results) {
      i++;
      b.append("| ").append(i).append(" | ").append(r.agent ? "yes" : "no");
      for (String phase : List.of("calm", "udp", "between", "syn", "roomy", "after")) {
        long[] q = r.requests.getOrDefault(phase, new long[5]);
        b.append(" | ").append(q[2]).append(" / ").append(q[3]).append(" / ").append(q[4]);
      }
      long calmP99 = Math.max(1, r.requests.getOrDefault("calm", new long[5])[3]);
      b.append(" | ").append(r.failedRequests())
          .append(" | ").append(String.format("%.2f / %.2f", p99(r, "udp") / (double) calmP99, p99(r, "syn") / (double) calmP99))
          .append(" |\n");
    }
    for (StormDriver.Result r : results) {
      if (r.agent) {
        b.append("\nAgent threads, CPU ms over the run: ").append(r.agentThreads).append('\n');
        break;
      }
    }
    return b.toString();
  }

  private static long p99(StormDriver.Result r, String phase) {
    return r.requests.getOrDefault(phase, new long[5])[3];
  }

  static String cores(StormDriver.Result r, String phase) {
    long[] c = r.agentCpu.get(phase);
    return c == null || c[1] == 0 ? "?" : String.format("%.2f", c[0] / (double) c[1]);
  }

}
