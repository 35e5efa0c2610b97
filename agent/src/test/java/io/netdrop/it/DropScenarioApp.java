package io.netdrop.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The application under test in the kernel integration tests: it runs under {@code -javaagent}
 * in a forked JVM and, on commands read from stdin, opens the sockets on which the test then
 * causes drops. Each command answers with one line on stdout.
 */
public final class DropScenarioApp {
  private static final List<Object> keep = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split("\\s+");
      switch (cmd[0]) {
        case "udp-open":
          udpOpen();
          break;
        case "udp-drops":
          System.out.println("udp-drops " + procDrops(Integer.parseInt(cmd[1])));
          break;
        case "connect":
          connect(Integer.parseInt(cmd[1]));
          break;
        case "connect-hold":
          connectHold(Integer.parseInt(cmd[1]));
          break;
        case "close-held":
          held.close();
          System.out.println("closed");
          break;
        case "listen-full":
          ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          keep.add(full); // never accepts: its accept queue overflows
          System.out.println("listen-full-port " + full.getLocalPort());
          break;
        case "listen":
          listen();
          break;
        case "close-first":
          closeFirst(Integer.parseInt(cmd[1]));
          break;
        case "exit":
          System.out.println("bye");
          System.exit(0);
          break;
        default:
          System.out.println("unknown " + line);
      }
    }
  }

  /** A UDP receiver with the smallest receive buffer the kernel allows, never read. */
  private static void udpOpen() throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.setOption(StandardSocketOptions.SO_RCVBUF, 1);
    ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    keep.add(ch);
    System.out.println("udp-port " + ((InetSocketAddress) ch.getLocalAddress()).getPort());
  }

  private static void connect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
      System.out.println("connect-ok");
    } catch (IOException e) {
      System.out.println("connect-failed " + e.getClass().getSimpleName());
    }
  }

  private static Socket held;

  /** A connection that stays open until "close-held". */
  private static void connectHold(int port) throws IOException {
    held = new Socket();
    held.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
    System.out.println("connected " + held.getLocalPort());
  }

  /**
   * {@code n} connections that the server closes first, each client reading the end of stream
   * and closing too: every server socket has the client's FIN purged, unread, when it goes.
   */
  private static void closeFirst(int n) throws IOException {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      for (int i = 0; i < n; i++) {
        try (Socket client = new Socket()) {
          client.connect(server.getLocalSocketAddress(), 2000);
          server.accept().close();
          if (client.getInputStream().read() != -1) {
            throw new IOException("the server sent data");
          }
        }
      }
      System.out.println("close-first-port " + server.getLocalPort());
    }
  }

  /** A listener whose accepted sockets have a tiny receive buffer and are never read. */
  private static void listen() throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReceiveBufferSize(1);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    keep.add(server);
    Thread t =
        new Thread(
            () -> {
              try {
                while (true) {
                  Socket s = server.accept();
                  keep.add(s);
                  System.out.println("accepted " + s.getPort());
                }
              } catch (IOException e) {
                // server closed at exit
              }
            },
            "acceptor");
    t.setDaemon(true);
    t.start();
    System.out.println("listen-port " + server.getLocalPort());
  }

  /** The kernel's own drop counter (sk_drops) of our UDP socket on {@code port}. */
  private static long procDrops(int port) throws IOException {
    String hexPort = String.format(":%04X", port);
    for (String file : new String[] {"/proc/self/net/udp", "/proc/self/net/udp6"}) {
      for (String row : Files.readAllLines(Path.of(file))) {
        String[] f = row.trim().split("\\s+");
        if (f.length > 12 && f[1].endsWith(hexPort)) {
          return Long.parseLong(f[f.length - 1]);
        }
      }
    }
    return -1;
  }
}
