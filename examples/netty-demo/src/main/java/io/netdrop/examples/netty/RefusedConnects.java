package io.netdrop.examples.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /inventory}: three connects to an "inventory service" on a loopback port where
 * nothing listens. The kernel drops each SYN with reason {@code NO_SOCKET} and answers with a RST.
 */
final class RefusedConnects {
  static final int ATTEMPTS = 3;

  private final int port;

  RefusedConnects(int port) {
    this.port = port;
  }

  /** Called on {@code loop}, inside the request: each connect starts here and now. */
  CompletableFuture<String> run(EventLoop loop) {
    List<ChannelFuture> connects = new ArrayList<>();
    for (int i = 0; i < ATTEMPTS; i++) {
      connects.add(Epoll.register(loop, new EpollSocketChannel()).connect(new InetSocketAddress("127.0.0.1", port)));
    }
    return Epoll.all(connects)
        .thenApply(
            v -> {
              long refused = connects.stream().filter(c -> Epoll.outcome(c).equals("refused")).count();
              connects.forEach(c -> c.channel().close());
              return "{\"expectedDropReason\":\"NO_SOCKET\",\"target\":\"127.0.0.1:" + port
                  + "\",\"attempts\":" + ATTEMPTS + ",\"refused\":" + refused + "}";
            });
  }
}
