package io.netdrop.examples.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A TCP server that accepts a connection from the same app and never reads it, with the smallest
 * receive buffer the kernel allows, while the client keeps writing. The window closes, the client's
 * kernel sends zero-window probes, and the server's kernel drops each with reason {@code
 * TCP_OLD_SEQUENCE}.
 */
final class SlowConsumer {

  private static final int CHUNK_BYTES = 8 * 1024;
  private static final int SENDER_BUFFER_BYTES = 64 * 1024;
  private static final long WRITE_RETRY_MILLIS = 20;

  private final Transport transport;

  SlowConsumer(Transport transport) {
    this.transport = transport;
  }

  /** Writes for {@code hold}, then closes the receiving end first and the sender after it. */
  Result run(Duration hold) throws InterruptedException {
    CompletableFuture<Channel> accepted = new CompletableFuture<>();
    Channel listener =
        new ServerBootstrap()
            .group(transport.group())
            .channel(transport.serverChannel())
            // Set on the listener so the accepted socket has it from the handshake on, when the
            // window scale is fixed.
            .option(ChannelOption.SO_RCVBUF, 1)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelActive(ChannelHandlerContext ctx) {
                    accepted.complete(ctx.channel());
                  }
                })
            .bind(InetAddress.getLoopbackAddress(), 0)
            .sync()
            .channel();
    Channel sender = null;
    Channel receiver = null;
    ByteBuf chunk =
        Unpooled.unreleasableBuffer(Unpooled.directBuffer(CHUNK_BYTES).writeZero(CHUNK_BYTES));
    try {
      sender =
          new Bootstrap()
              .group(transport.group())
              .channel(transport.socketChannel())
              .option(ChannelOption.SO_SNDBUF, SENDER_BUFFER_BYTES)
              .handler(Ignore.INSTANCE)
              .connect(listener.localAddress())
              .sync()
              .channel();
      receiver = accepted.get(2, TimeUnit.SECONDS);
      long queued = 0;
      long stalledAfterMillis = -1;
      long start = System.nanoTime();
      long deadline = start + hold.toNanos();
      while (System.nanoTime() < deadline) {
        if (sender.isWritable()) {
          sender.writeAndFlush(chunk.duplicate());
          queued += CHUNK_BYTES;
        } else {
          if (stalledAfterMillis < 0) {
            stalledAfterMillis = (System.nanoTime() - start) / 1_000_000;
          }
          Thread.sleep(WRITE_RETRY_MILLIS);
        }
      }
      return new Result(
          "TCP_OLD_SEQUENCE",
          sender.localAddress() + " > " + receiver.localAddress(),
          queued,
          stalledAfterMillis,
          hold.toMillis());
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the slow consumer's connection was never accepted", e);
    } finally {
      // Receiver first: its close resets the connection, so the sender does not linger as an
      // orphan that keeps probing after the demo.
      if (receiver != null) {
        receiver.close().sync();
      }
      if (sender != null) {
        sender.close().sync();
      }
      listener.close().sync();
    }
  }

  /**
   * What one stalled stream did: {@code queued} is what the app handed to Netty, {@code
   * stalledAfterMillis} when the channel first stopped being writable (-1 if never).
   */
  record Result(
      String expect, String connection, long queued, long stalledAfterMillis, long heldMillis) {
    @Override
    public String toString() {
      return "scenario=slow-consumer expect=" + expect + " connection=" + connection + " queued="
          + queued + " stalledAfterMs=" + stalledAfterMillis + " heldMs=" + heldMillis;
    }
  }
}
