package io.netdrop.examples.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /payments}: a connect to a "payments service" behind an nftables rule that drops
 * its packets ({@link FirewallRule}). The SYN and its retransmission 1 s later are dropped with
 * reason {@code NETFILTER_DROP}; the connect times out after 1.5 s.
 */
final class FirewalledConnect {
  static final int TIMEOUT_MILLIS = 1_500;

  private final FirewallRule rule;

  FirewalledConnect(FirewallRule rule) {
    this.rule = rule;
  }

  CompletableFuture<String> run(EventLoop loop) {
    EpollSocketChannel ch = Epoll.register(loop, new EpollSocketChannel());
    ch.config().setOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, TIMEOUT_MILLIS);
    ChannelFuture connect = ch.connect(new InetSocketAddress("127.0.0.1", rule.port()));
    return Epoll.all(List.of(connect))
        .thenApply(
            v -> {
              ch.close();
              return "{\"expectedDropReason\":\"NETFILTER_DROP\",\"service\":\"127.0.0.1:" + rule.port()
                  + "\",\"firewallRule\":" + rule.installed() + ",\"outcome\":\"" + Epoll.outcome(connect)
                  + "\"" + (rule.problem() == null ? "" : ",\"firewallProblem\":\"" + rule.problem().replace('"', '\'') + "\"")
                  + "}";
            });
  }
}
