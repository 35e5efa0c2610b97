package io.netdrop.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The application a storm hits (run by {@link StormDriver} in a network namespace of its own, so
 * the kernel's SNMP counters are its alone): a UDP socket that reads slowly, a listener whose
 * accept queue is full, and its own work meanwhile — an echo server and a client of it in the same
 * JVM, whose request latencies are recorded per phase. Commands on stdin, one answer line each:
 *
 * <ul>
 *   <li>{@code go}: opens everything; prints {@code udp-port}, {@code listen-port}, {@code roomy-port}, {@code started}
 *   <li>{@code phase NAME}: latencies and agent CPU from now on count for NAME
 *   <li>{@code unclog}: closes the clients that fill the accept queue (no more SYN retransmits)
 *   <li>{@code report}: prints {@code requests}, {@code agent-cpu}, {@code counters}, {@code heap} lines, then {@code reported}
 *   <li>{@code exit}
 * </ul>
 */
public final class StormScenarioApp {
  /** Bytes the slow reader reads per datagram; it sleeps between reads. */
  private static final int READ_PAUSE_MILLIS = 5;
  private static final int REQUEST_BYTES = 64;

  private static final Map<String, Phase> phases = new LinkedHashMap<>();
  private static volatile Phase current;
  private static final List<SocketChannel> clogs = new ArrayList<>();

  /** Latencies and agent CPU of one phase. */
  private static final class Phase {
    final String name;
    final long startNanos = System.nanoTime();
    final long startAgentTicks = AgentThreads.ticks();
    long endNanos;
    long endAgentTicks;
    final List<Long> latencies = new ArrayList<>();
    long failures;

    Phase(String name) {
      this.name = name;
    }

    synchronized void record(long nanos) {
      latencies.add(nanos);
    }

    synchronized void fail() {
      failures++;
    }
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    for (String line; (line = in.readLine()) != null; ) {
      String[] cmd = line.trim().split("\\s+");
      switch (cmd[0]) {
        case "go" -> go();
        case "phase" -> phase(cmd[1]);
        case "unclog" -> unclog();
        case "report" -> report();
        case "exit" -> {
          System.out.println("bye");
          System.exit(0);
        }
        default -> System.out.println("unknown " + line);
      }
    }
  }

  private static void go() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    DatagramChannel udp = DatagramChannel.open();
    udp.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
    udp.bind(new InetSocketAddress(lo, 0));
    daemon("slow-reader", () -> slowRead(udp));

    // Backlog 1 (Java takes 0 for its default of 50): the kernel queues up to two connections, so
    // the third's SYNs overflow it until unclog. A full queue refuses every SYN without a SYN-ACK.
    ServerSocket full = new ServerSocket(0, 1, lo);
    for (int i = 0; i < 3; i++) {
      SocketChannel c = SocketChannel.open();
      c.configureBlocking(false);
      c.connect(full.getLocalSocketAddress());
      clogs.add(c);
    }
    keep(full);
    // A listener with room that never accepts: a SYN flood here fills no accept queue (no handshake
    // completes), every SYN is answered, and each SYN-ACK's RST kills the half-open connection.
    ServerSocket roomy = new ServerSocket(0, 4096, lo);
    keep(roomy);

    ServerSocket echo = new ServerSocket(0, 128, lo);
    daemon("echo-acceptor", () -> accept(echo));
    phase("calm");
    daemon("echo-client", () -> requests(echo.getLocalPort()));
    System.out.println("udp-port " + ((InetSocketAddress) udp.getLocalAddress()).getPort());
    System.out.println("listen-port " + full.getLocalPort());
    System.out.println("roomy-port " + roomy.getLocalPort());
    System.out.println("started");
  }

  private static final List<Object> kept = new ArrayList<>();

  private static void keep(Object o) {
    kept.add(o);
  }

  private static void slowRead(DatagramChannel udp) {
    ByteBuffer b = ByteBuffer.allocate(2048);
    try {
      while (true) {
        udp.receive(b.clear());
        Thread.sleep(READ_PAUSE_MILLIS);
      }
    } catch (Exception e) {
      System.out.println("slow reader stopped: " + e);
    }
  }

  private static void accept(ServerSocket server) {
    try {
      while (true) {
        Socket s = server.accept();
        daemon("echo-server", () -> echo(s));
      }
    } catch (IOException e) {
      System.out.println("acceptor stopped: " + e);
    }
  }

  private static void echo(Socket s) {
    byte[] buf = new byte[REQUEST_BYTES];
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      while (true) {
        int n = in.readNBytes(buf, 0, buf.length);
        if (n < buf.length) {
          return;
        }
        out.write(buf);
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /**
   * One request (64 bytes out, 64 back) every millisecond on a kept-alive connection, and a new
   * connection every 50 requests, so accepting runs during the storms too.
   */
  private static void requests(int port) {
    byte[] request = new byte[REQUEST_BYTES];
    byte[] answer = new byte[REQUEST_BYTES];
    Socket s = null;
    for (long i = 0; ; i++) {
      Phase p = current;
      long start = System.nanoTime();
      try {
        if (s == null || i % 50 == 0) {
          if (s != null) {
            s.close();
          }
          s = new Socket();
          s.setSoTimeout(5_000);
          s.setTcpNoDelay(true);
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        }
        s.getOutputStream().write(request);
        if (s.getInputStream().readNBytes(answer, 0, answer.length) != answer.length) {
          throw new IOException("short answer");
        }
        p.record(System.nanoTime() - start);
      } catch (IOException e) {
        p.fail();
        System.out.println("request failed in " + p.name + ": " + e);
        s = null;
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static synchronized void phase(String name) {
    Phase previous = current;
    Phase next = new Phase(name);
    if (previous != null) {
      previous.endNanos = next.startNanos;
      previous.endAgentTicks = next.startAgentTicks;
    }
    phases.put(name, next);
    current = next;
    System.out.println("phase " + name);
  }

  private static void unclog() throws IOException {
    for (SocketChannel c : clogs) {
      c.close();
    }
    System.out.println("unclogged");
  }

  private static synchronized void report() throws Exception {
    phase("end");
    for (Phase p : phases.values()) {
      if (p.name.equals("end")) {
        continue;
      }
      List<Long> l;
      long failures;
      synchronized (p) {
        l = new ArrayList<>(p.latencies);
        failures = p.failures;
      }
      l.sort(null);
      System.out.println(
          "requests " + p.name + " n=" + l.size() + " failed=" + failures
              + " p50_us=" + percentile(l, 0.50) / 1000 + " p99_us=" + percentile(l, 0.99) / 1000
              + " max_us=" + (l.isEmpty() ? 0 : l.get(l.size() - 1) / 1000));
      System.out.println(
          "agent-cpu " + p.name + " cpu_ms=" + AgentThreads.ticksToMillis(p.endAgentTicks - p.startAgentTicks)
              + " wall_ms=" + (p.endNanos - p.startNanos) / 1_000_000);
    }
    System.out.println("agent-threads " + AgentThreads.describe());
    System.out.println(
        "counters RcvbufErrors=" + SnmpCounters.read("Udp", "RcvbufErrors")
            + " ListenOverflows=" + SnmpCounters.read("TcpExt", "ListenOverflows")
            + " ListenDrops=" + SnmpCounters.read("TcpExt", "ListenDrops"));
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.println("heap used_after_gc_kb=" + (rt.totalMemory() - rt.freeMemory()) / 1024);
    System.out.println("reported");
  }

  private static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }
}
