package io.netdrop.examples.spring;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.stereotype.Component;

/**
 * Calls an "inventory service" on a loopback port where nothing listens. Each refused connect is
 * one SYN that the kernel drops with reason {@code NO_SOCKET} (and answers with a RST).
 */
@Component
public final class InventoryClient {

  private final OrdersProperties.Inventory settings;
  private final HttpClient http;

  public InventoryClient(OrdersProperties properties) {
    this.settings = properties.inventory();
    this.http = HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).build();
  }

  /** Makes the configured number of requests and reports how each one ended. */
  public Result ping() throws InterruptedException {
    URI target = URI.create("http://127.0.0.1:" + settings.port() + "/inventory/health");
    int refused = 0;
    int answered = 0;
    int failed = 0;
    long start = System.nanoTime();
    for (int i = 0; i < settings.attempts(); i++) {
      HttpRequest request = HttpRequest.newBuilder(target).timeout(settings.connectTimeout()).build();
      try {
        http.send(request, HttpResponse.BodyHandlers.discarding());
        answered++;
      } catch (ConnectException e) {
        refused++;
      } catch (IOException e) {
        failed++;
      }
    }
    long micros = (System.nanoTime() - start) / 1_000;
    return new Result(
        "NO_SOCKET", target.toString(), settings.attempts(), refused, answered, failed, micros);
  }

  /**
   * What {@link #ping()} did. {@code refused} counts requests whose connect was refused; the JDK
   * client retries a refused connect once by itself, so expect up to two drops per refusal.
   */
  public record Result(
      String expectedDropReason,
      String target,
      int attempts,
      int refused,
      int answered,
      int failed,
      long elapsedMicros) {}
}
