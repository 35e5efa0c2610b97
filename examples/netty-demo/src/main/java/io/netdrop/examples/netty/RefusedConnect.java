package io.netdrop.examples.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import java.net.ConnectException;
import java.net.InetAddress;

/**
 * A TCP client connecting to a loopback port where nothing listens: the kernel drops each SYN with
 * reason {@code NO_SOCKET} and answers with a RST, so the connect fails as refused.
 */
final class RefusedConnect {

  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

  private final Transport transport;

  RefusedConnect(Transport transport) {
    this.transport = transport;
  }

  /** Makes {@code attempts} connects to {@code 127.0.0.1:port}, one after the other. */
  Result run(int port, int attempts) {
    Bootstrap bootstrap =
        new Bootstrap()
            .group(transport.group())
            .channel(transport.socketChannel())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
            .handler(Ignore.INSTANCE);
    int refused = 0;
    int connected = 0;
    int failed = 0;
    String lastFailure = "none";
    for (int i = 0; i < attempts; i++) {
      ChannelFuture connect = bootstrap.connect(InetAddress.getLoopbackAddress(), port);
      connect.awaitUninterruptibly();
      if (connect.isSuccess()) {
        connected++;
        connect.channel().close().awaitUninterruptibly();
      } else if (connect.cause() instanceof ConnectException) {
        refused++;
      } else {
        failed++;
        lastFailure = String.valueOf(connect.cause());
      }
    }
    return new Result("NO_SOCKET", port, attempts, refused, connected, failed, lastFailure);
  }

  /** What the connects did; {@code lastFailure} explains the last attempt that failed otherwise. */
  record Result(
      String expect,
      int port,
      int attempts,
      int refused,
      int connected,
      int failed,
      String lastFailure) {
    @Override
    public String toString() {
      return "scenario=refused-connect expect=" + expect + " target=127.0.0.1:" + port
          + " attempts=" + attempts + " refused=" + refused + " connected=" + connected
          + " failed=" + failed + (failed > 0 ? " lastFailure=" + lastFailure : "");
    }
  }
}
