package io.netdrop.examples.spring;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OrdersPropertiesTest {

  @Test
  void rejectsPortOutsideTcpRangeNamingTheSetting() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new OrdersProperties.Inventory(70_000, 1));
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
            () -> new OrdersProperties.Reports(8, Duration.ofHours(1)));
    assertTrue(e.getMessage().contains("orders.reports.hold"), e.getMessage());
  }

  @Test
  void rejectsAReadTimeoutThatOutlastsThePricingServicesDelay() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new OrdersProperties.Pricing(Duration.ofMillis(100), Duration.ofMillis(300)));
    assertTrue(e.getMessage().contains("orders.pricing.read-timeout"), e.getMessage());
  }
}
