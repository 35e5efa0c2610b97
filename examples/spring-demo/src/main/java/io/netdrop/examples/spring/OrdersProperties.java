package io.netdrop.examples.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the drop scenarios, under {@code orders.*}. Every amount is fixed per call so an
 * endpoint always does bounded work.
 *
 * @param inventory the refused HTTP call of {@code POST /orders/inventory}
 * @param reports the stuck downstream of {@code POST /orders/reports}
 * @param metrics the UDP burst of {@code POST /orders/metrics}
 * @param payments the firewalled downstream of {@code POST /orders/payments}
 * @param pricing the late-replying downstream of {@code POST /orders/pricing}
 */
@ConfigurationProperties("orders")
public record OrdersProperties(
    @DefaultValue Inventory inventory,
    @DefaultValue Reports reports,
    @DefaultValue Metrics metrics,
    @DefaultValue Payments payments,
    @DefaultValue Pricing pricing) {

  /**
   * @param port loopback port the "inventory service" is expected on; nothing may listen there
   *     (default 9, the discard port, which no Linux distribution serves by default)
   * @param attempts HTTP requests per call (default 3)
   */
  public record Inventory(@DefaultValue("9") int port, @DefaultValue("3") int attempts) {
    public Inventory {
      requireRange(port, 1, 65_535, "orders.inventory.port");
      requireRange(attempts, 1, 100, "orders.inventory.attempts");
    }
  }

  /**
   * @param connects connection attempts to the stuck "reports service" per call (default 8)
   * @param hold how long they are kept trying (default 1500ms: the agent reads a listener's drop
   *     counter once a second)
   */
  public record Reports(@DefaultValue("8") int connects, @DefaultValue("1500ms") Duration hold) {
    public Reports {
      requireRange(connects, 3, 100, "orders.reports.connects");
      requireDuration(hold, "orders.reports.hold");
    }
  }

  /**
   * @param datagrams datagrams sent per burst (default 200)
   * @param datagramSize payload bytes per datagram (default 512)
   */
  public record Metrics(@DefaultValue("200") int datagrams, @DefaultValue("512") int datagramSize) {
    public Metrics {
      requireRange(datagrams, 1, 100_000, "orders.metrics.datagrams");
      requireRange(datagramSize, 1, 65_507, "orders.metrics.datagram-size");
    }
  }

  /**
   * @param nft whether the app adds (at start) and removes (at stop) the nftables rule that drops
   *     packets to the "payments service" (default true; needs root and the nft command)
   * @param port the payments service's loopback port; 0 picks a free one (default 0)
   * @param connectTimeout how long a call waits for the connect (default 1500ms: the SYN and
   *     one retransmission, 1 s later, are dropped)
   */
  public record Payments(
      @DefaultValue("true") boolean nft,
      @DefaultValue("0") int port,
      @DefaultValue("1500ms") Duration connectTimeout) {
    public Payments {
      requireRange(port, 0, 65_535, "orders.payments.port");
      requireDuration(connectTimeout, "orders.payments.connect-timeout");
    }
  }

  /**
   * @param replyDelay how long the "pricing service" takes to answer (default 300ms)
   * @param readTimeout how long the app waits for the answer before it closes the connection
   *     (default 100ms: shorter than the delay, so the answer arrives after the close)
   */
  public record Pricing(
      @DefaultValue("300ms") Duration replyDelay, @DefaultValue("100ms") Duration readTimeout) {
    public Pricing {
      requireDuration(replyDelay, "orders.pricing.reply-delay");
      requireDuration(readTimeout, "orders.pricing.read-timeout");
      if (readTimeout.compareTo(replyDelay) >= 0) {
        throw new IllegalArgumentException(
            "orders.pricing.read-timeout must be shorter than orders.pricing.reply-delay, got "
                + readTimeout + " and " + replyDelay);
      }
    }
  }

  private static void requireRange(int value, int min, int max, String name) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static void requireDuration(Duration d, String name) {
    if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new IllegalArgumentException(name + " must be more than 0 and at most 30s, got " + d);
    }
  }
}
