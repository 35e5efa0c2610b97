package io.netdrop.instrumentation;

import static io.netdrop.instrumentation.SocketScenarios.check;

import io.netdrop.instrumentation.RecordingEvents.Event;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A Netty epoll client and server on loopback, and the bridge calls each of their sockets gets. */
final class NettyScenarios {
  private NettyScenarios() {}

  static void epollClientAndServer(RecordingEvents recorder) throws Exception {
    if (!Epoll.isAvailable()) {
      throw new AssertionError("Netty epoll is not available here", Epoll.unavailabilityCause());
    }
    InetAddress loopback = InetAddress.getLoopbackAddress();
    EventLoopGroup group = new EpollEventLoopGroup(1);
    CompletableFuture<Channel> child = new CompletableFuture<>();
    int port;
    int listenerFd;
    int clientFd;
    int childFd;
    try {
      recorder.start();
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(EpollServerSocketChannel.class)
              .childHandler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                      ReferenceCountUtil.release(msg);
                      child.complete(ctx.channel());
                    }
                  })
              .bind(loopback, 0)
              .sync()
              .channel();
      port = ((InetSocketAddress) server.localAddress()).getPort();
      Channel client =
          new Bootstrap()
              .group(group)
              .channel(EpollSocketChannel.class)
              .handler(new ChannelInboundHandlerAdapter())
              .connect(loopback, port)
              .sync()
              .channel();
      client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1})).sync();
      Channel accepted = child.get(10, TimeUnit.SECONDS);
      listenerFd = ((UnixChannel) server).fd().intValue();
      clientFd = ((UnixChannel) client).fd().intValue();
      childFd = ((UnixChannel) accepted).fd().intValue();
      client.close().sync();
      accepted.close().sync();
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
    List<Event> events = recorder.stop();
    Map<Integer, List<String>> bySocket = new LinkedHashMap<>();
    bySocket.put(listenerFd, new ArrayList<>());
    bySocket.put(clientFd, new ArrayList<>());
    bySocket.put(childFd, new ArrayList<>());
    for (Event e : events) {
      List<String> seq = bySocket.get(e.fdNumber());
      if (seq == null) {
        continue; // epoll, eventfd and timerfd descriptors of the event loop
      }
      check(e.fd() == null, "Netty events carry raw descriptors: " + e);
      String line =
          e.type().equals("opened") ? "opened kind" + e.kind()
              : e.type().equals("connecting") ? "connecting to :" + ((InetSocketAddress) e.remote()).getPort()
              : e.type().equals("accepted") ? "accepted " + (e.acceptedNumber() == childFd ? "child" : e.acceptedNumber())
              : e.type();
      // Netty may read or write a socket several times in a row; one "used" stands for them.
      if (!(line.equals("used") && !seq.isEmpty() && seq.get(seq.size() - 1).equals("used"))) {
        seq.add(line);
      }
      if (e.type().equals("opened") || e.type().equals("accepted")) {
        long inode = e.type().equals("opened") ? e.inode() : e.acceptedInode();
        check(inode > 0, "descriptor is an open socket: " + e);
      }
    }
    Map<Integer, List<String>> expected = new LinkedHashMap<>();
    expected.put(listenerFd, List.of("opened kind1", "bound", "accepted child", "closing"));
    expected.put(clientFd, List.of("opened kind1", "connecting to :" + port, "bound", "used", "closing"));
    expected.put(childFd, List.of("used", "closing"));
    if (!expected.equals(bySocket)) {
      throw new AssertionError(
          "Netty events differ (listener " + listenerFd + ", client " + clientFd + ", child " + childFd + ")"
              + "\nexpected: " + expected + "\nactual:   " + bySocket);
    }
  }
}
