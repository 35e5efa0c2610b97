package io.netdrop.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;

/** Runs every scenario once over real HTTP and real loopback sockets, with small amounts. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "orders.inventory.attempts=2",
      "orders.metrics.datagrams=50",
      "orders.slow-consumer.bytes=1048576",
      "orders.slow-consumer.hold=300ms"
    })
class OrdersControllerTest {

  @Autowired private TestRestTemplate http;

  @Test
  void pingInventoryIsRefusedEveryTime() {
    InventoryClient.Result result =
        http.postForObject("/orders/ping-inventory", null, InventoryClient.Result.class);

    assertEquals(2, result.attempts());
    assertEquals(2, result.refused());
    assertEquals(0, result.answered());
  }

  @Test
  void metricsBurstOverflowsTheReceiverAndTheKernelCountsTheSameDrops() {
    MetricsBurst.Result result =
        http.postForObject("/orders/metrics-burst", null, MetricsBurst.Result.class);

    assertEquals(50, result.sent());
    assertTrue(result.dropped() > 0, "a burst of 50 must overflow the smallest buffer");
    assertEquals(result.sent(), result.delivered() + result.dropped());
    assertEquals(Long.valueOf(result.dropped()), result.kernelCountedDrops());
  }

  @Test
  void metricsBurstStartsFromAnEmptyBufferEachTime() {
    MetricsBurst.Result first =
        http.postForObject("/orders/metrics-burst", null, MetricsBurst.Result.class);
    MetricsBurst.Result second =
        http.postForObject("/orders/metrics-burst", null, MetricsBurst.Result.class);

    assertEquals(first.delivered(), second.delivered());
  }

  @Test
  void slowConsumerStallsTheSenderLongBeforeItsBytesAreWritten() {
    SlowConsumer.Result result =
        http.postForObject("/orders/slow-consumer", null, SlowConsumer.Result.class);

    assertTrue(result.stalledAfterMillis() >= 0, "writes never stalled");
    assertTrue(result.bytesWritten() < result.bytesOffered(), "all bytes fit: no zero window");
    assertEquals(300, result.heldMillis());
  }
}
