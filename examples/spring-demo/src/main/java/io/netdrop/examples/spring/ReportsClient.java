package io.netdrop.examples.spring;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Calls a "reports service" that is stuck: it listens with a backlog of 1 and never accepts. Its
 * accept queue fills with the first connections, and the kernel refuses the SYNs after them
 * (listen overflow). The stuck service is part of this app, started inside the request, so the
 * drops are this JVM's.
 *
 * <p>A full accept queue is never reported on {@code kfree_skb}: the agent reads the listener's
 * own drop counter once a second, hence the hold.
 */
@Component
public final class ReportsClient {

  private final OrdersProperties.Reports settings;

  public ReportsClient(OrdersProperties properties) {
    this.settings = properties.reports();
  }

  /** Opens the configured connections to the stuck service and keeps them trying for the hold. */
  public Result call() throws IOException, InterruptedException {
    try (ServerSocketChannel stuck = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
      stuck.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
      InetSocketAddress address = (InetSocketAddress) stuck.getLocalAddress();
      List<SocketChannel> clients = new ArrayList<>();
      int established = 0;
      try {
        for (int i = 0; i < settings.connects(); i++) {
          SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET);
          clients.add(c);
          c.configureBlocking(false);
          c.connect(address);
        }
        Thread.sleep(settings.hold().toMillis());
        for (SocketChannel c : clients) {
          try {
            if (c.finishConnect()) {
              established++;
            }
          } catch (IOException e) {
            // still waiting on its SYN, or given up
          }
        }
      } finally {
        for (SocketChannel c : clients) {
          c.close();
        }
      }
      return new Result(
          "LISTEN_OVERFLOW", address.toString(), settings.connects(), established,
          settings.hold().toMillis());
    }
  }

  /** What {@link #call()} did: {@code established} connections fit the accept queue. */
  public record Result(
      String expectedDropReason, String service, int connects, int established, long heldMillis) {}
}
