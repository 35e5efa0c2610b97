package io.netdrop.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A Netty application on the native epoll transport, for the kernel integration tests: on
 * commands from stdin it opens the sockets on which the test causes drops.
 */
public final class NettyScenarioApp {
  private NettyScenarioApp() {}

  public static void main(String[] args) throws Exception {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException("epoll transport unavailable", Epoll.unavailabilityCause());
    }
    EventLoopGroup group = new EpollEventLoopGroup(1);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split("\\s+");
      switch (cmd[0]) {
        case "udp-open": {
          // A datagram socket with the smallest receive buffer, never read (auto-read off).
          Channel ch =
              new Bootstrap()
                  .group(group)
                  .channel(EpollDatagramChannel.class)
                  .option(ChannelOption.SO_RCVBUF, 1)
                  .option(ChannelOption.AUTO_READ, false)
                  .handler(new ChannelInboundHandlerAdapter())
                  .bind(new InetSocketAddress("127.0.0.1", 0))
                  .sync()
                  .channel();
          System.out.println("udp-port " + ((InetSocketAddress) ch.localAddress()).getPort());
          break;
        }
        case "connect": {
          ChannelFuture f =
              new Bootstrap()
                  .group(group)
                  .channel(EpollSocketChannel.class)
                  .handler(new ChannelInboundHandlerAdapter())
                  .connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(cmd[1])))
                  .await();
          System.out.println(f.isSuccess() ? "connect-ok" : "connect-failed");
          break;
        }
        case "listen": {
          Channel server =
              new ServerBootstrap()
                  .group(group)
                  .channel(EpollServerSocketChannel.class)
                  .childHandler(new ChannelInboundHandlerAdapter())
                  .bind(new InetSocketAddress("127.0.0.1", 0))
                  .sync()
                  .channel();
          System.out.println("listen-port " + ((InetSocketAddress) server.localAddress()).getPort());
          break;
        }
        case "exit":
          System.out.println("bye");
          System.exit(0);
          break;
        default:
          System.out.println("unknown " + line);
      }
    }
  }
}
