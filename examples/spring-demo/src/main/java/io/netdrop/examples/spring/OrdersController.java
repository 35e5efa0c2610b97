package io.netdrop.examples.spring;

import java.io.IOException;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The order service's endpoints. Each POST does a fixed amount of network work on loopback that
 * makes the kernel drop packets on the app's own sockets, and returns a JSON summary of it.
 */
@RestController
@RequestMapping("/orders")
public final class OrdersController {

  private final InventoryClient inventory;
  private final MetricsBurst metrics;
  private final SlowConsumer slowConsumer;

  public OrdersController(
      InventoryClient inventory, MetricsBurst metrics, SlowConsumer slowConsumer) {
    this.inventory = inventory;
    this.metrics = metrics;
    this.slowConsumer = slowConsumer;
  }

  /** Lists the scenarios; also what the demo script polls to know the app is up. */
  @GetMapping
  public Map<String, String> index() {
    return Map.of(
        "POST /orders/ping-inventory", "HTTP call to a closed loopback port: NO_SOCKET",
        "POST /orders/metrics-burst", "UDP burst into a tiny unread buffer: SOCKET_RCVBUFF",
        "POST /orders/slow-consumer", "TCP stream into a non-reading receiver: TCP_OLD_SEQUENCE");
  }

  @PostMapping("/ping-inventory")
  public InventoryClient.Result pingInventory() throws InterruptedException {
    return inventory.ping();
  }

  @PostMapping("/metrics-burst")
  public MetricsBurst.Result metricsBurst() throws IOException {
    return metrics.send();
  }

  @PostMapping("/slow-consumer")
  public SlowConsumer.Result slowConsumer() throws IOException, InterruptedException {
    return slowConsumer.run();
  }
}
