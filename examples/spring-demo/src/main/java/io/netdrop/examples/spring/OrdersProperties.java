package io.netdrop.examples.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the drop scenarios, under {@code orders.*}. Every amount is fixed per call so an
 * endpoint always does bounded work.
 *
 * @param inventory the refused HTTP call of {@code /orders/ping-inventory}
 * @param metrics the UDP burst of {@code /orders/metrics-burst}
 * @param slowConsumer the stalled TCP stream of {@code /orders/slow-consumer}
 */
@ConfigurationProperties("orders")
public record OrdersProperties(
    @DefaultValue Inventory inventory,
    @DefaultValue Metrics metrics,
    @DefaultValue SlowConsumer slowConsumer) {

  /**
   * @param port loopback port the "inventory service" is expected on; nothing should listen there
   *     (default 9, the discard port, which no Linux distribution serves by default)
   * @param attempts HTTP requests per call (default 3)
   * @param connectTimeout give-up time per request (default 2s; a refused connect takes microseconds)
   */
  public record Inventory(
      @DefaultValue("9") int port,
      @DefaultValue("3") int attempts,
      @DefaultValue("2s") Duration connectTimeout) {

    public Inventory {
      requirePort(port, "orders.inventory.port");
      requireRange(attempts, 1, 1000, "orders.inventory.attempts");
    }
  }

  /**
   * @param datagrams datagrams sent per burst (default 200)
   * @param datagramSize payload bytes per datagram (default 512)
   */
  public record Metrics(
      @DefaultValue("200") int datagrams, @DefaultValue("512") int datagramSize) {

    public Metrics {
      requireRange(datagrams, 1, 100_000, "orders.metrics.datagrams");
      requireRange(datagramSize, 1, 65_507, "orders.metrics.datagram-size");
    }
  }

  /**
   * @param bytes bytes the sender tries to write per call (default 4 MiB, far more than the
   *     receiver and the sender's own buffers hold, so the stream stalls on a zero window)
   * @param hold how long the stalled connection is kept open before both ends close (default 3s;
   *     zero-window probes back off from about 200 ms, so 3 s sees three of them)
   */
  public record SlowConsumer(
      @DefaultValue("4194304") int bytes, @DefaultValue("3s") Duration hold) {

    public SlowConsumer {
      requireRange(bytes, 1, 1 << 30, "orders.slow-consumer.bytes");
      if (hold.isNegative() || hold.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "orders.slow-consumer.hold must be between 0 and 1 minute, got " + hold);
      }
    }
  }

  private static void requirePort(int port, String name) {
    requireRange(port, 1, 65_535, name);
  }

  private static void requireRange(int value, int min, int max, String name) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", got " + value);
    }
  }
}
