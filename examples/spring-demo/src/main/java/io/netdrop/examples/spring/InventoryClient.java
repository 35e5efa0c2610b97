package io.netdrop.examples.spring;

import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * Calls an "inventory service" on a loopback port where nothing listens. Each refused connect is
 * one SYN that the kernel drops with reason {@code NO_SOCKET} (and answers with a RST).
 */
@Component
public final class InventoryClient {

  private final OrdersProperties.Inventory settings;
  private final RestClient http;

  public InventoryClient(OrdersProperties properties) {
    this.settings = properties.inventory();
    // HttpURLConnection: it connects on the calling thread, inside the request's trace.
    SimpleClientHttpRequestFactory factory = new SimpleClientHttpRequestFactory();
    factory.setConnectTimeout(2_000);
    this.http = RestClient.builder().requestFactory(factory).build();
  }

  /** Makes the configured number of requests and reports how they ended. */
  public Result call() {
    String target = "http://127.0.0.1:" + settings.port() + "/inventory/reserve";
    int refused = 0;
    int answered = 0;
    for (int i = 0; i < settings.attempts(); i++) {
      try {
        http.get().uri(target).retrieve().toBodilessEntity();
        answered++;
      } catch (ResourceAccessException e) {
        refused++;
      }
    }
    return new Result("NO_SOCKET", target, settings.attempts(), refused, answered);
  }

  /** What {@link #call()} did: each refused request is one dropped SYN. */
  public record Result(
      String expectedDropReason, String target, int attempts, int refused, int answered) {}
}
