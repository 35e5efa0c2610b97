package io.netdrop.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.RestClient;

/**
 * Runs every scenario once over real HTTP and real loopback sockets, with small amounts and
 * without the firewall rule (no BPF, no nftables: the agent's ITs and SpringDemoIT do those).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "orders.inventory.attempts=2",
      "orders.reports.connects=4",
      "orders.reports.hold=100ms",
      "orders.metrics.datagrams=50",
      "orders.payments.nft=false",
      "orders.payments.connect-timeout=200ms",
    })
class OrdersControllerTest {

  @LocalServerPort private int port;

  private <T> T post(String path, Class<T> type) {
    return RestClient.create("http://127.0.0.1:" + port).post().uri(path).retrieve().body(type);
  }

  @Test
  void inventoryIsRefusedEveryTime() {
    InventoryClient.Result result = post("/orders/inventory", InventoryClient.Result.class);

    assertEquals(2, result.attempts());
    assertEquals(2, result.refused());
    assertEquals(0, result.answered());
  }

  @Test
  void reportsServiceAcceptsNoMoreThanItsQueueHolds() {
    ReportsClient.Result result = post("/orders/reports", ReportsClient.Result.class);

    assertEquals(4, result.connects());
    assertTrue(result.established() < 4, result.toString());
  }

  @Test
  void metricsBurstOverflowsTheReceiverAndTheKernelCountsTheSameDrops() {
    MetricsBurst.Result result = post("/orders/metrics", MetricsBurst.Result.class);

    assertEquals(50, result.sent());
    assertTrue(result.dropped() > 0, "a burst of 50 must overflow the smallest buffer");
    assertEquals(result.sent(), result.delivered() + result.dropped());
    assertEquals(Long.valueOf(result.dropped()), result.kernelCountedDrops());
  }

  @Test
  void paymentsWithoutTheRuleSaysSo() {
    PaymentsClient.Result result = post("/orders/payments", PaymentsClient.Result.class);

    assertFalse(result.firewallRule());
    assertTrue(result.firewallProblem().contains("orders.payments.nft=false"), result.toString());
  }

  @Test
  void pricingGivesUpBeforeTheServiceAnswers() {
    PricingClient.Result result = post("/orders/pricing", PricingClient.Result.class);

    assertTrue(result.outcome().startsWith("gave up after 100ms"), result.toString());
  }
}
