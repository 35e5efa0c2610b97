package io.netdrop.examples.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.TimeUnit;

/** The Netty transport the demo runs on: its event loops and the channel classes that go with them. */
final class Transport implements AutoCloseable {

  private final String name;
  private final EventLoopGroup group;
  private final Class<? extends DatagramChannel> datagramChannel;
  private final Class<? extends SocketChannel> socketChannel;
  private final Class<? extends ServerSocketChannel> serverChannel;

  private Transport(
      String name,
      EventLoopGroup group,
      Class<? extends DatagramChannel> datagramChannel,
      Class<? extends SocketChannel> socketChannel,
      Class<? extends ServerSocketChannel> serverChannel) {
    this.name = name;
    this.group = group;
    this.datagramChannel = datagramChannel;
    this.socketChannel = socketChannel;
    this.serverChannel = serverChannel;
  }

  /**
   * Opens the transport named by {@code choice}: {@code epoll}, {@code nio}, or {@code auto}
   * (epoll when its native library loads on this machine, NIO otherwise). Asking for epoll where it
   * is unavailable fails with the reason Netty gives.
   */
  static Transport open(String choice) {
    switch (choice) {
      case "epoll":
        if (!Epoll.isAvailable()) {
          throw new IllegalStateException(
              "epoll transport unavailable: " + Epoll.unavailabilityCause(),
              Epoll.unavailabilityCause());
        }
        return epoll();
      case "nio":
        return nio();
      case "auto":
        return Epoll.isAvailable() ? epoll() : nio();
      default:
        throw new IllegalArgumentException(
            "transport must be auto, epoll or nio, got '" + choice + "'");
    }
  }

  private static Transport epoll() {
    return new Transport(
        "epoll",
        new EpollEventLoopGroup(2),
        EpollDatagramChannel.class,
        EpollSocketChannel.class,
        EpollServerSocketChannel.class);
  }

  private static Transport nio() {
    return new Transport(
        "nio",
        new NioEventLoopGroup(2),
        NioDatagramChannel.class,
        NioSocketChannel.class,
        NioServerSocketChannel.class);
  }

  String name() {
    return name;
  }

  EventLoopGroup group() {
    return group;
  }

  Class<? extends DatagramChannel> datagramChannel() {
    return datagramChannel;
  }

  Class<? extends SocketChannel> socketChannel() {
    return socketChannel;
  }

  Class<? extends ServerSocketChannel> serverChannel() {
    return serverChannel;
  }

  /** Stops the event loops, waiting at most a few seconds for them. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
