package io.netdrop.examples.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP server with the smallest receive buffer the kernel allows and reading switched off, flooded
 * by a UDP client of the same app: every datagram that finds the buffer full is dropped by the
 * kernel with reason {@code SOCKET_RCVBUFF}.
 */
final class UdpFlood {

  /** How long the server must see no new datagram before the drain counts as complete. */
  private static final long QUIET_MILLIS = 200;

  private final Transport transport;

  UdpFlood(Transport transport) {
    this.transport = transport;
  }

  /** Sends {@code datagrams} datagrams of {@code size} bytes, then lets the server read what got in. */
  Result run(int datagrams, int size) throws InterruptedException {
    AtomicInteger delivered = new AtomicInteger();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    Channel server =
        new Bootstrap()
            .group(transport.group())
            .channel(transport.datagramChannel())
            // The kernel raises any smaller request to its minimum: about one datagram fits.
            .option(ChannelOption.SO_RCVBUF, 1)
            .option(ChannelOption.AUTO_READ, false)
            .handler(new Counter(delivered))
            .bind(loopback, 0)
            .sync()
            .channel();
    Channel client = null;
    try {
      client =
          new Bootstrap()
              .group(transport.group())
              .channel(transport.datagramChannel())
              .handler(Ignore.INSTANCE)
              .bind(loopback, 0)
              .sync()
              .channel();
      InetSocketAddress target = (InetSocketAddress) server.localAddress();
      ChannelFuture last = null;
      for (int i = 0; i < datagrams; i++) {
        last = client.write(new DatagramPacket(Unpooled.wrappedBuffer(new byte[size]), target));
      }
      client.flush();
      // Loopback delivers inside the send call: once the last write is done, every datagram is
      // either queued at the server or already dropped.
      last.sync();
      server.config().setAutoRead(true);
      awaitQuiet(delivered);
      return new Result(
          "SOCKET_RCVBUFF", server.localAddress().toString(), datagrams, size, delivered.get());
    } finally {
      if (client != null) {
        client.close().sync();
      }
      server.close().sync();
    }
  }

  private static void awaitQuiet(AtomicInteger delivered) throws InterruptedException {
    int seen;
    do {
      seen = delivered.get();
      Thread.sleep(QUIET_MILLIS);
    } while (delivered.get() != seen);
  }

  private static final class Counter extends SimpleChannelInboundHandler<DatagramPacket> {
    private final AtomicInteger delivered;

    Counter(AtomicInteger delivered) {
      this.delivered = delivered;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      delivered.incrementAndGet();
    }
  }

  /** What one flood did; {@code dropped} is sent minus delivered. */
  record Result(String expect, String server, int sent, int datagramBytes, int delivered) {
    int dropped() {
      return sent - delivered;
    }

    @Override
    public String toString() {
      return "scenario=udp-flood expect=" + expect + " server=" + server + " sent=" + sent
          + " bytes=" + datagramBytes + " delivered=" + delivered + " dropped=" + dropped();
    }
  }
}
