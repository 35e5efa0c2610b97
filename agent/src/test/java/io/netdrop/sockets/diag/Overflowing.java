package io.netdrop.sockets.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.sockets.ProcSockets;
import io.netdrop.sockets.SocketEntry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A real listener with backlog 1 that never accepts, and non-blocking clients that connect to it
 * until its accept queue is full and the kernel refuses the rest (counting each in sk_drops).
 */
final class Overflowing implements AutoCloseable {
  private static final int LISTEN = 10;

  final long inode;
  private final InetSocketAddress target;
  private final AutoCloseable server;
  private final List<SocketChannel> clients = new ArrayList<>();

  /** A JDK ServerSocket: dual-stack AF_INET6 even for an IPv4 address. */
  static Overflowing jdk(InetAddress address) throws IOException {
    ServerSocket server = new ServerSocket(0, 1, address);
    return new Overflowing(server, inodeOf(server.getLocalPort()), new InetSocketAddress(address, server.getLocalPort()));
  }

  /** A genuine AF_INET listener on 127.0.0.1. */
  static Overflowing ipv4() throws Exception {
    NativeIpv4Listener server = new NativeIpv4Listener(1);
    assertEquals(server.inode, inodeOf(server.port), "/proc/net/tcp and /proc/self/fd agree");
    return new Overflowing(server, server.inode, new InetSocketAddress("127.0.0.1", server.port));
  }

  private Overflowing(AutoCloseable server, long inode, InetSocketAddress target) {
    this.server = server;
    this.inode = inode;
    this.target = target;
  }

  int port() {
    return target.getPort();
  }

  /** Starts {@code count} connections; on loopback the SYN is handled inside connect(). */
  Overflowing connect(int count) throws IOException {
    for (int i = 0; i < count; i++) {
      SocketChannel c = SocketChannel.open();
      clients.add(c);
      c.configureBlocking(false);
      c.connect(target);
    }
    return this;
  }

  /** Closes the clients, so their SYN retransmits stop and the drop counter settles. */
  void stopClients() throws IOException {
    for (SocketChannel c : clients) {
      c.close();
    }
    clients.clear();
  }

  @Override
  public void close() throws Exception {
    stopClients();
    server.close();
  }

  /** The listener's inode from /proc/net/tcp[6], checked to be one of this process's open sockets. */
  private static long inodeOf(int port) {
    Set<Long> ours = ProcSockets.openSocketInodes();
    List<Long> found = ProcSockets.inetSockets().stream()
        .filter(s -> s.protocol() == 6 && s.state() == LISTEN && s.localPort() == port)
        .map(SocketEntry::inode)
        .toList();
    assertEquals(1, found.size(), "one listener on port " + port + ": " + found);
    assertTrue(ours.contains(found.get(0)), "listener inode " + found.get(0) + " in /proc/self/fd");
    return found.get(0);
  }
}
