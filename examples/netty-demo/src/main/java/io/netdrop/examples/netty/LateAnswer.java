package io.netdrop.examples.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /pricing}: asks the app's slow "pricing service" for a price, gives up after 100 ms
 * and closes the connection. The service answers after 300 ms anyway: its data reaches a socket
 * the app already closed, and the kernel drops it (Linux 6.18: reason {@code NOT_SPECIFIED}, in
 * {@code tcp_v4_rcv}: the closed socket's time-wait remnant answers data with a reset).
 */
final class LateAnswer {
  static final long GIVE_UP_MILLIS = 100;
  static final long REPLY_DELAY_MILLIS = 300;

  private final InetSocketAddress service;

  LateAnswer(InetSocketAddress service) {
    this.service = service;
  }

  /**
   * The pricing service's handler: answers each request after {@link #REPLY_DELAY_MILLIS}, then
   * closes. Its channels must allow half-closure ({@link ChannelOption#ALLOW_HALF_CLOSURE}, set
   * here on registration): the caller's close reaches this side as EOF, and by default Netty then
   * closes the channel at once, so the late answer would never be sent. Turning auto-read off is
   * not enough on epoll: {@code EPOLLRDHUP} stays armed and Netty reads the EOF anyway.
   */
  @ChannelHandler.Sharable
  static final class SlowService extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
      ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      ctx.fireChannelRegistered();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.channel().config().setAutoRead(false); // one request per connection
      ctx.executor().schedule(
          () -> ctx.writeAndFlush(Unpooled.copiedBuffer("price=42.00\n".repeat(8), StandardCharsets.US_ASCII))
              // let the answer leave before the close, as the Spring demo's service does
              .addListener(f -> ctx.executor().schedule(() -> ctx.close(), 50, TimeUnit.MILLISECONDS)),
          REPLY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (!(evt instanceof ChannelInputShutdownEvent)) { // the caller has gone: answer anyway
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // the caller reset the connection: expected once it has gone
    }
  }

  CompletableFuture<String> run(EventLoop loop) {
    EpollSocketChannel ch = Epoll.register(loop, new EpollSocketChannel());
    ChannelFuture connect = ch.connect(service);
    CompletableFuture<String> done = new CompletableFuture<>();
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            done.complete("{\"expectedDropReason\":\"NOT_SPECIFIED\",\"outcome\":\"" + Epoll.outcome(connect) + "\"}");
            return;
          }
          String connection = ch.localAddress() + " > " + ch.remoteAddress();
          ByteBuf request = Unpooled.copiedBuffer("GET /price?sku=42\n", StandardCharsets.US_ASCII);
          ch.writeAndFlush(request);
          loop.schedule(() -> ch.close(), GIVE_UP_MILLIS, TimeUnit.MILLISECONDS);
          // The answer is still on its way: respond once it has arrived, inside this request.
          loop.schedule(
              () -> done.complete(
                  "{\"expectedDropReason\":\"NOT_SPECIFIED\",\"connection\":\"" + connection
                      + "\",\"outcome\":\"gave up after " + GIVE_UP_MILLIS + "ms\"}"),
              REPLY_DELAY_MILLIS + 200, TimeUnit.MILLISECONDS);
        });
    return done;
  }
}
