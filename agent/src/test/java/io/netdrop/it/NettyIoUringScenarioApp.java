package io.netdrop.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A Netty 4.2 application on the io_uring transport, for {@link NettyIoUringDropsIT}: on commands
 * from stdin it opens the sockets on which the test causes drops.
 *
 * <p>It is compiled against the Netty 4.1 API the other tests use and run on the Netty 4.2 jars
 * the IT puts on its class path; the few io_uring types that 4.1 lacks are loaded by name.
 */
public final class NettyIoUringScenarioApp {
  private static final String URING = "io.netty.channel.uring.";

  private NettyIoUringScenarioApp() {}

  public static void main(String[] args) throws Exception {
    requireIoUring();
    EventLoopGroup group = ioUringGroup();
    Class<? extends DatagramChannel> datagram = channelType("IoUringDatagramChannel", DatagramChannel.class);
    Class<? extends SocketChannel> stream = channelType("IoUringSocketChannel", SocketChannel.class);
    Class<? extends ServerSocketChannel> server = channelType("IoUringServerSocketChannel", ServerSocketChannel.class);
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
                  .channel(datagram)
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
                  .channel(stream)
                  .handler(new ChannelInboundHandlerAdapter())
                  .connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(cmd[1])))
                  .await();
          System.out.println(f.isSuccess() ? "connect-ok" : "connect-failed " + f.cause());
          break;
        }
        case "listen": {
          Channel listener =
              new ServerBootstrap()
                  .group(group)
                  .channel(server)
                  .childHandler(new ReportingChild())
                  .bind(new InetSocketAddress("127.0.0.1", 0))
                  .sync()
                  .channel();
          System.out.println("listen-port " + ((InetSocketAddress) listener.localAddress()).getPort());
          break;
        }
        case "java":
          System.out.println("java " + Runtime.version().feature());
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

  /** Prints {@code accepted <peer port>} and {@code read <peer port> <bytes>}; discards the data. */
  private static final class ReportingChild extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      System.out.println("accepted " + ((InetSocketAddress) ctx.channel().remoteAddress()).getPort());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      int bytes = msg instanceof io.netty.buffer.ByteBuf ? ((io.netty.buffer.ByteBuf) msg).readableBytes() : -1;
      ReferenceCountUtil.release(msg);
      System.out.println("read " + ((InetSocketAddress) ctx.channel().remoteAddress()).getPort() + " " + bytes);
    }
  }

  private static void requireIoUring() throws ReflectiveOperationException {
    Class<?> ioUring = Class.forName(URING + "IoUring");
    if (!(Boolean) ioUring.getMethod("isAvailable").invoke(null)) {
      throw new IllegalStateException(
          "Netty io_uring transport unavailable", (Throwable) ioUring.getMethod("unavailabilityCause").invoke(null));
    }
  }

  /** {@code new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory())}, Netty 4.2 only. */
  private static EventLoopGroup ioUringGroup() throws ReflectiveOperationException {
    Object factory = Class.forName(URING + "IoUringIoHandler").getMethod("newFactory").invoke(null);
    Class<?> factoryType = Class.forName("io.netty.channel.IoHandlerFactory");
    return (EventLoopGroup)
        Class.forName("io.netty.channel.MultiThreadIoEventLoopGroup")
            .getConstructor(int.class, factoryType)
            .newInstance(1, factory);
  }

  private static <T> Class<? extends T> channelType(String simpleName, Class<T> api) throws ClassNotFoundException {
    return Class.forName(URING + simpleName).asSubclass(api);
  }
}
