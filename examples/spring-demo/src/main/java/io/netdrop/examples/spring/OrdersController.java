package io.netdrop.examples.spring;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The order service's endpoints. Each POST calls a "downstream" that makes the kernel drop
 * packets of this app's own loopback sockets, each for another reason, and returns a JSON summary.
 */
@RestController
@RequestMapping("/orders")
public final class OrdersController {

  private final InventoryClient inventory;
  private final ReportsClient reports;
  private final MetricsBurst metrics;
  private final PaymentsClient payments;
  private final PricingClient pricing;

  public OrdersController(
      InventoryClient inventory,
      ReportsClient reports,
      MetricsBurst metrics,
      PaymentsClient payments,
      PricingClient pricing) {
    this.inventory = inventory;
    this.reports = reports;
    this.metrics = metrics;
    this.payments = payments;
    this.pricing = pricing;
  }

  /** Lists the scenarios; also what the demo script polls to know the app is up. */
  @GetMapping
  public Map<String, String> index() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("POST /orders/inventory", "HTTP call to a closed port: NO_SOCKET");
    m.put("POST /orders/reports", "a downstream whose accept queue is full: LISTEN_OVERFLOW");
    m.put("POST /orders/metrics", "UDP burst into a tiny receive buffer: SOCKET_RCVBUFF");
    m.put("POST /orders/payments", "a downstream behind an nftables drop rule: NETFILTER_DROP");
    m.put("POST /orders/pricing", "a downstream that answers after we closed: NOT_SPECIFIED (Linux 6.18)");
    return m;
  }

  @PostMapping("/inventory")
  public InventoryClient.Result inventory() {
    return inventory.call();
  }

  @PostMapping("/reports")
  public ReportsClient.Result reports() throws IOException, InterruptedException {
    return reports.call();
  }

  @PostMapping("/metrics")
  public MetricsBurst.Result metrics() throws IOException {
    return metrics.send();
  }

  @PostMapping("/payments")
  public PaymentsClient.Result payments() throws IOException {
    return payments.call();
  }

  @PostMapping("/pricing")
  public PricingClient.Result pricing() throws IOException, InterruptedException {
    return pricing.call();
  }
}
