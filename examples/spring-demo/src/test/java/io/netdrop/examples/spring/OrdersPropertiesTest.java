package io.netdrop.examples.spring;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OrdersPropertiesTest {

  @Test
  void rejectsPortOutsideTcpRangeNamingTheSetting() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new OrdersProperties.Inventory(70_000, 1, Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("orders.inventory.port"), e.getMessage());
  }

  @Test
  void rejectsDatagramLargerThanUdpAllows() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new OrdersProperties.Metrics(1, 70_000));
    assertTrue(e.getMessage().contains("orders.metrics.datagram-size"), e.getMessage());
  }

  @Test
  void rejectsUnboundedHold() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new OrdersProperties.SlowConsumer(1024, Duration.ofHours(1)));
    assertTrue(e.getMessage().contains("orders.slow-consumer.hold"), e.getMessage());
  }
}
