package io.netdrop.examples.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /metrics}: a "metrics" receiver, opened inside the request with the smallest
 * receive buffer and auto-read off, connected to its one sender, gets a burst of 200 datagrams of
 * 512 bytes. One fits; the kernel drops the others with reason {@code SOCKET_RCVBUFF}.
 */
final class UdpBurst {
  static final int DATAGRAMS = 200;
  static final int SIZE = 512;

  CompletableFuture<String> run(EventLoop loop) {
    EpollDatagramChannel sender =
        Epoll.bind(Epoll.register(loop, new EpollDatagramChannel()), new InetSocketAddress("127.0.0.1", 0));
    EpollDatagramChannel receiver = Epoll.register(loop, new EpollDatagramChannel());
    receiver.config().setReceiveBufferSize(1).setAutoRead(false);
    // Connected to its one sender: a datagram socket's connect is immediate.
    receiver.connect(sender.localAddress(), new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly();
    InetSocketAddress to = receiver.localAddress();
    long before = kernelDrops(to.getPort());
    for (int i = 0; i < DATAGRAMS; i++) {
      sender.write(new DatagramPacket(Unpooled.wrappedBuffer(new byte[SIZE]), to));
    }
    sender.flush();
    return Epoll.after(loop, 300)
        .thenApply(
            v -> {
              long dropped = kernelDrops(to.getPort()) - before;
              receiver.close();
              sender.close();
              return "{\"expectedDropReason\":\"SOCKET_RCVBUFF\",\"receiver\":\"127.0.0.1:"
                  + to.getPort() + "\",\"sent\":" + DATAGRAMS + ",\"kernelCountedDrops\":" + dropped + "}";
            });
  }

  /**
   * The drops column of the socket bound to 127.0.0.1:port in /proc/net/udp, or udp6 for Netty's
   * default IPv6 socket with a v4-mapped address (-1 if absent).
   */
  static long kernelDrops(int port) {
    String suffix = String.format(Locale.ROOT, "0100007F:%04X", port);
    try {
      for (String table : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length >= 13 && f[1].endsWith(suffix)) {
            return Long.parseLong(f[f.length - 1]);
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
