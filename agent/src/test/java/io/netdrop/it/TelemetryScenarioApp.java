package io.netdrop.it;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs under {@code -javaagent} (in a network namespace of its own, so the kernel's SNMP counters
 * are this run's alone): floods a UDP socket with a tiny receive buffer with {@code args[0]}
 * datagrams once the test says {@code go}, closes it, and prints the kernel's {@code Udp: RcvbufErrors} delta for the run as
 * {@code rcvbuf-errors N}, then waits {@code args[1]} ms for the exports.
 */
public final class TelemetryScenarioApp {
  public static void main(String[] args) throws Exception {
    int datagrams = Integer.parseInt(args[0]);
    long linger = Long.parseLong(args[1]);
    System.out.println("ready");
    awaitNetdrop();
    long before = rcvbufErrors();
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (DatagramChannel rx = DatagramChannel.open();
        DatagramChannel tx = DatagramChannel.open()) {
      rx.setOption(StandardSocketOptions.SO_RCVBUF, 1);
      rx.bind(new InetSocketAddress(lo, 0));
      ByteBuffer payload = ByteBuffer.allocate(512);
      for (int i = 0; i < datagrams; i++) {
        tx.send(payload.clear(), rx.getLocalAddress());
      }
      System.out.println("udp-port " + ((InetSocketAddress) rx.getLocalAddress()).getPort());
    }
    System.out.println("rcvbuf-errors " + (rcvbufErrors() - before));
    Thread.sleep(linger);
    System.out.println("done");
  }

  /** Waits for the test's {@code go}, which it sends once the agent says it is watching. */
  private static void awaitNetdrop() throws java.io.IOException {
    new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8)).readLine();
  }

  static long rcvbufErrors() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("Udp: ") && lines.get(i + 1).startsWith("Udp: ")) {
        List<String> names = List.of(lines.get(i).split("\\s+"));
        return Long.parseLong(lines.get(i + 1).split("\\s+")[names.indexOf("RcvbufErrors")]);
      }
    }
    throw new IllegalStateException("no Udp: line in /proc/net/snmp");
  }
}
