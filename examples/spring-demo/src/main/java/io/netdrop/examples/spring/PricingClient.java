package io.netdrop.examples.spring;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.springframework.stereotype.Component;

/**
 * Asks the slow {@link PricingService} for a price, gives up after {@code
 * orders.pricing.read-timeout} and closes the connection. The service answers anyway: its data
 * reaches a socket this app already closed, and the kernel drops it and resets the connection
 * (Linux 6.18: reason {@code NOT_SPECIFIED} in {@code tcp_v4_rcv}, where the closed socket's
 * time-wait remnant answers data with a reset).
 */
@Component
public final class PricingClient {

  private final PricingService service;
  private final OrdersProperties.Pricing settings;

  public PricingClient(PricingService service, OrdersProperties properties) {
    this.service = service;
    this.settings = properties.pricing();
  }

  /** One request; returns after the late answer has arrived. */
  public Result call() throws IOException, InterruptedException {
    String outcome;
    String connection;
    try (Socket s = new Socket()) {
      s.connect(service.address(), 1_000);
      connection = s.getLocalSocketAddress() + " > " + s.getRemoteSocketAddress();
      s.setSoTimeout((int) settings.readTimeout().toMillis());
      s.getOutputStream().write("GET /price?sku=42\n".getBytes(StandardCharsets.US_ASCII));
      try {
        outcome = s.getInputStream().read() < 0 ? "closed by the service" : "answered in time";
      } catch (SocketTimeoutException e) {
        outcome = "gave up after " + settings.readTimeout().toMillis() + "ms";
      }
    }
    // The answer is still on its way: wait for it, so the drop happens inside this request.
    Thread.sleep(settings.replyDelay().toMillis() + 200);
    return new Result("NOT_SPECIFIED", connection, outcome);
  }

  /** What {@link #call()} did. */
  public record Result(String expectedDropReason, String connection, String outcome) {}
}
