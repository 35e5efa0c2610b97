package io.netdrop.examples.spring;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.springframework.stereotype.Component;

/**
 * Connects to a "payments service" behind a firewall rule that drops its packets ({@link
 * FirewallRule}): the SYN and its retransmission are dropped by nftables with reason {@code
 * NETFILTER_DROP}, and the connect times out.
 */
@Component
public final class PaymentsClient {

  private final OrdersProperties.Payments settings;
  private final FirewallRule rule;

  public PaymentsClient(OrdersProperties properties, FirewallRule rule) {
    this.settings = properties.payments();
    this.rule = rule;
  }

  /** One connect with the configured timeout. */
  public Result call() throws IOException {
    InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), rule.port());
    String outcome;
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(target, (int) settings.connectTimeout().toMillis());
      outcome = "connected";
    } catch (SocketTimeoutException e) {
      outcome = "timed out";
    } catch (IOException e) {
      outcome = "failed: " + e.getMessage();
    }
    return new Result(
        "NETFILTER_DROP", target.toString(), rule.installed(), rule.problem(), outcome,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** What {@link #call()} did. */
  public record Result(
      String expectedDropReason,
      String service,
      boolean firewallRule,
      String firewallProblem,
      String outcome,
      long elapsedMillis) {}
}
