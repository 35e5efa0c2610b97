package io.netdrop.examples.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * An HTTP service on Netty 4.2's epoll transport whose endpoints each make the kernel drop
 * packets on the app's own loopback sockets, for another reason each, inside the request
 * ({@link DemoHandler}). Runs until SIGTERM or Ctrl-C.
 *
 * <p>Options: {@code --port N} (8081; 0 lets the kernel pick), {@code --port-file F} (written once
 * the service listens), {@code --closed-port P} (9: where nothing listens), {@code --no-nft} (no
 * firewall rule; {@code /payments} then says so).
 */
public final class NettyDemo {
  private NettyDemo() {}

  public static void main(String[] args) throws Exception {
    int port = 8081;
    int closedPort = 9;
    boolean nft = true;
    Path portFile = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--closed-port" -> closedPort = Integer.parseInt(args[++i]);
        case "--port-file" -> portFile = Path.of(args[++i]);
        case "--no-nft" -> nft = false;
        default -> {
          System.err.println("netty-demo: unknown option " + args[i]
              + " (--port N, --port-file F, --closed-port P, --no-nft)");
          System.exit(2);
        }
      }
    }
    if (!Epoll.isAvailable()) {
      System.err.println("netty-demo: the epoll transport is unavailable: " + Epoll.unavailabilityCause());
      System.exit(1);
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    try (FirewallRule rule = new FirewallRule(nft)) {
      Channel pricing =
          new ServerBootstrap()
              .group(group)
              .channel(EpollServerSocketChannel.class)
              .childHandler(new LateAnswer.SlowService())
              .bind(new InetSocketAddress("127.0.0.1", 0))
              .sync()
              .channel();
      DemoHandler.Scenarios scenarios =
          new DemoHandler.Scenarios(
              new RefusedConnects(closedPort),
              new StuckListener(),
              new UdpBurst(),
              new FirewalledConnect(rule),
              new LateAnswer((InetSocketAddress) pricing.localAddress()));
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(EpollServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpObjectAggregator(64 * 1024))
                          .addLast(new DemoHandler(scenarios));
                    }
                  })
              .bind(new InetSocketAddress("127.0.0.1", port))
              .sync()
              .channel();
      int actual = ((InetSocketAddress) server.localAddress()).getPort();
      if (portFile != null) {
        Files.writeString(portFile, actual + "\n", StandardCharsets.US_ASCII);
      }
      System.out.println(Instant.now() + " netty-demo: listening on http://127.0.0.1:" + actual
          + " (epoll; firewall rule " + (rule.installed() ? "on 127.0.0.1:" + rule.port() : "off: " + rule.problem()) + ")");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close().syncUninterruptibly();
        pricing.close().syncUninterruptibly();
        rule.close();
        group.shutdownGracefully().syncUninterruptibly();
      }));
      server.closeFuture().sync();
    }
  }
}
