package io.netdrop.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The application of the soak (run by {@link SoakDriver} in a network namespace of its own): steady
 * connection churn through its own servers — TCP connect, one 32-byte request and answer, close;
 * UDP open, one datagram there and back, close — with drops sprinkled in: every 50th TCP connect
 * goes to a closed port (one NO_SOCKET drop each) and every 5 seconds a tiny UDP socket is
 * overflowed by 20 datagrams. Commands on stdin: {@code go TCP_PER_SECOND UDP_PER_SECOND SECONDS}
 * churns for that long, then prints {@code churned}; {@code tick N} prints the counts so far and the
 * heap in use after a full GC; {@code exit}.
 */
public final class SoakScenarioApp {
  private static final InetAddress LO = InetAddress.getLoopbackAddress();
  private static final AtomicLong tcp = new AtomicLong();
  private static final AtomicLong udp = new AtomicLong();
  private static final AtomicLong refused = new AtomicLong();
  private static final AtomicLong overflowed = new AtomicLong();
  private static final AtomicLong failed = new AtomicLong();
  private static volatile boolean churning;

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    for (String line; (line = in.readLine()) != null; ) {
      String[] cmd = line.trim().split("\\s+");
      switch (cmd[0]) {
        case "go" -> go(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]), Integer.parseInt(cmd[3]));
        case "tick" -> tick(cmd[1]);
        case "exit" -> {
          System.out.println("bye");
          System.exit(0);
        }
        default -> System.out.println("unknown " + line);
      }
    }
  }

  private static void go(int tcpPerSecond, int udpPerSecond, int seconds) throws Exception {
    ServerSocket server = new ServerSocket(0, 512, LO);
    ExecutorService handlers = Executors.newFixedThreadPool(4, daemonThreads("soak-handler"));
    daemon("soak-acceptor", () -> {
      while (true) {
        try {
          Socket s = server.accept();
          handlers.execute(() -> answer(s));
        } catch (IOException e) {
          failure("accept", e);
        }
      }
    });
    DatagramSocket udpServer = new DatagramSocket(new InetSocketAddress(LO, 0));
    daemon("soak-udp-server", () -> {
      byte[] buf = new byte[64];
      while (true) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          udpServer.receive(p);
          udpServer.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
        } catch (IOException e) {
          failure("udp server", e);
        }
      }
    });
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, LO)) {
      closedPort = s.getLocalPort(); // nothing listens here once closed
    }
    churning = true;
    int clients = 4;
    for (int i = 0; i < clients; i++) {
      daemon("soak-tcp-client", paced(tcpPerSecond / clients, n -> tcpOnce(server.getLocalPort(), closedPort, n)));
    }
    daemon("soak-udp-client", paced(udpPerSecond, n -> udpOnce(udpServer.getLocalPort())));
    daemon("soak-overflow", paced(1, n -> {
      if (n % 5 == 0) {
        overflow();
      }
    }));
    daemon("soak-timer", () -> {
      sleep(seconds * 1000L);
      churning = false;
      System.out.println("churned");
    });
    System.out.println("started");
  }

  interface Step {
    void run(long n) throws Exception;
  }

  /** Runs {@code step} {@code perSecond} times a second while churning. */
  private static Runnable paced(int perSecond, Step step) {
    return () -> {
      long start = System.nanoTime();
      for (long n = 0; churning; n++) {
        try {
          step.run(n);
        } catch (Exception e) {
          failure("step", e);
        }
        long due = start + (n + 1) * 1_000_000_000L / Math.max(1, perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          sleep(wait / 1_000_000);
        }
      }
    };
  }

  private static void tcpOnce(int port, int closedPort, long n) throws IOException {
    if (n % 50 == 49) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(LO, closedPort), 2_000);
        failure("connect to a closed port", new IOException("it was accepted"));
      } catch (ConnectException expected) {
        refused.incrementAndGet();
      }
      return;
    }
    try (Socket s = new Socket()) {
      s.setSoTimeout(5_000);
      s.connect(new InetSocketAddress(LO, port), 5_000);
      s.getOutputStream().write(new byte[32]);
      if (s.getInputStream().readNBytes(32).length != 32) {
        throw new IOException("short answer");
      }
    }
    tcp.incrementAndGet();
  }

  private static void answer(Socket s) {
    try (s;
        InputStream in = s.getInputStream()) {
      byte[] request = in.readNBytes(32);
      s.getOutputStream().write(request);
    } catch (IOException e) {
      failure("answer", e);
    }
  }

  private static void udpOnce(int port) throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LO, 0))) {
      s.setSoTimeout(5_000);
      s.send(new DatagramPacket(new byte[32], 32, new InetSocketAddress(LO, port)));
      DatagramPacket p = new DatagramPacket(new byte[64], 64);
      s.receive(p);
    }
    udp.incrementAndGet();
  }

  /** A socket with the smallest receive buffer, 20 datagrams it never reads, closed. */
  private static void overflow() throws IOException {
    try (DatagramChannel rx = DatagramChannel.open();
        DatagramChannel tx = DatagramChannel.open()) {
      rx.setOption(StandardSocketOptions.SO_RCVBUF, 1);
      rx.bind(new InetSocketAddress(LO, 0));
      for (int i = 0; i < 20; i++) {
        tx.send(ByteBuffer.allocate(256), rx.getLocalAddress());
      }
    }
    overflowed.incrementAndGet();
  }

  private static void tick(String n) {
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    System.out.println(
        "tick n=" + n + " tcp=" + tcp.get() + " udp=" + udp.get() + " refused=" + refused.get()
            + " overflows=" + overflowed.get() + " failed=" + failed.get()
            + " heap_after_gc_kb=" + heap / 1024 + " threads=" + Thread.activeCount());
  }

  private static void failure(String what, Exception e) {
    if (failed.incrementAndGet() <= 10) {
      System.out.println("failure in " + what + ": " + e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static void daemon(String name, Runnable r) {
    daemonThreads(name).newThread(r).start();
  }
}
