package io.netdrop.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;

/**
 * An application started without the agent, for DynamicAttachDropsIT: it opens its sockets at
 * once — a UDP receiver and a TCP listener, both with the smallest receive buffer, and the one
 * connection it then accepts — and never reads from them, so they exist before netdrop is
 * attached. It exits on {@code exit} from stdin.
 */
public final class PreexistingSocketsApp {
  private PreexistingSocketsApp() {}

  public static void main(String[] args) throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (DatagramChannel udp = DatagramChannel.open();
        ServerSocket server = new ServerSocket()) {
      udp.setOption(StandardSocketOptions.SO_RCVBUF, 1);
      udp.bind(new InetSocketAddress(loopback, 0));
      // Set on the listener, so the accepted socket starts with it (and a tiny window).
      server.setReceiveBufferSize(1);
      server.bind(new InetSocketAddress(loopback, 0));
      System.out.println("udp-port " + ((InetSocketAddress) udp.getLocalAddress()).getPort());
      System.out.println("listen-port " + server.getLocalPort());
      try (Socket accepted = server.accept()) {
        System.out.println("accepted " + accepted.getPort());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("exit"); ) {
          System.out.println("unknown " + line);
        }
      }
    }
    System.out.println("bye");
  }
}
