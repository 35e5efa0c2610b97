package io.netdrop.examples.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /reports}: eight connects to a stuck "reports service", started inside the request:
 * a listener with a backlog of 1 that never accepts (auto-read off). Its accept queue fills and
 * the kernel refuses the SYNs after that (listen overflow), which netdrop reads from the
 * listener's drop counter once a second: the connections are held for 1.5 s.
 */
final class StuckListener {
  static final int CONNECTS = 8;
  static final long HOLD_MILLIS = 1_500;

  CompletableFuture<String> run(EventLoop loop) {
    EpollServerSocketChannel stuck = Epoll.register(loop, new EpollServerSocketChannel());
    stuck.config().setBacklog(1);
    stuck.config().setOption(ChannelOption.AUTO_READ, false);
    Epoll.bind(stuck, new InetSocketAddress("127.0.0.1", 0));
    InetSocketAddress address = stuck.localAddress();
    List<ChannelFuture> connects = new ArrayList<>();
    for (int i = 0; i < CONNECTS; i++) {
      connects.add(Epoll.register(loop, new EpollSocketChannel()).connect(address));
    }
    return Epoll.after(loop, HOLD_MILLIS)
        .thenApply(
            v -> {
              long established = connects.stream().filter(ChannelFuture::isSuccess).count();
              connects.forEach(c -> c.channel().close());
              stuck.close();
              return "{\"expectedDropReason\":\"LISTEN_OVERFLOW\",\"service\":\"127.0.0.1:"
                  + address.getPort() + "\",\"connects\":" + CONNECTS + ",\"established\":"
                  + established + ",\"heldMillis\":" + HOLD_MILLIS + "}";
            });
  }
}
