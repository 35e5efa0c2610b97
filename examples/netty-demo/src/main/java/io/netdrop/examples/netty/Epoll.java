package io.netdrop.examples.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Small helpers shared by the scenarios. Channels are registered, bound and connected directly on
 * the request's event loop, from the request's handler: the system calls then run right there,
 * inside the request's span (a {@code Bootstrap} would defer them to a later event-loop task).
 */
final class Epoll {
  private Epoll() {}

  /** Registers {@code ch} on {@code loop}; called on {@code loop}, so done on return. */
  static <C extends io.netty.channel.Channel> C register(EventLoop loop, C ch) {
    ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter());
    loop.register(ch).syncUninterruptibly();
    return ch;
  }

  /** Binds {@code ch}; on its event loop, done on return. */
  static <C extends io.netty.channel.Channel> C bind(C ch, java.net.SocketAddress local) {
    ch.bind(local).syncUninterruptibly();
    return ch;
  }

  /** Completes when every future has, whatever the outcome. */
  static CompletableFuture<Void> all(List<? extends Future<?>> futures) {
    CompletableFuture<?>[] done = new CompletableFuture<?>[futures.size()];
    for (int i = 0; i < done.length; i++) {
      CompletableFuture<Void> d = new CompletableFuture<>();
      futures.get(i).addListener(f -> d.complete(null));
      done[i] = d;
    }
    return CompletableFuture.allOf(done);
  }

  /** Completes after {@code millis} on {@code loop}. */
  static CompletableFuture<Void> after(EventLoop loop, long millis) {
    CompletableFuture<Void> d = new CompletableFuture<>();
    loop.schedule(() -> d.complete(null), millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    return d;
  }

  /** "connected", "refused", "timed out" or the failure's message. */
  static String outcome(ChannelFuture connect) {
    if (connect.isSuccess()) {
      return "connected";
    }
    Throwable t = connect.cause();
    String m = String.valueOf(t == null ? "cancelled" : t.getMessage());
    return m.contains("refused") ? "refused" : m.contains("timed out") ? "timed out" : m;
  }
}
