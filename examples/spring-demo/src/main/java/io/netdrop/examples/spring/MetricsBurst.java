package io.netdrop.examples.spring;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.OptionalLong;
import org.springframework.stereotype.Component;

/**
 * Sends a burst of "metrics" datagrams from inside the app to its own {@link MetricsReceiver},
 * faster than the (unread, tiny) receive buffer can hold them.
 */
@Component
public final class MetricsBurst {

  private final MetricsReceiver receiver;
  private final OrdersProperties.Metrics settings;

  public MetricsBurst(MetricsReceiver receiver, OrdersProperties properties) {
    this.receiver = receiver;
    this.settings = properties.metrics();
  }

  /**
   * Sends the configured burst, then drains the receiver and reports how many datagrams made it.
   * Bursts are serialized so concurrent calls do not blur each other's counts.
   */
  public synchronized Result send() throws IOException {
    int port = receiver.address().getPort();
    OptionalLong dropsBefore = UdpDropCounter.dropsOf(port);
    ByteBuffer payload = ByteBuffer.allocate(settings.datagramSize());
    try (DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET)) {
      for (int i = 0; i < settings.datagrams(); i++) {
        // Loopback delivers inside send(): by the time it returns the datagram is queued or dropped.
        sender.send(payload.clear(), receiver.address());
      }
    }
    int delivered = receiver.drain();
    OptionalLong dropsAfter = UdpDropCounter.dropsOf(port);
    Long kernelDrops =
        dropsBefore.isPresent() && dropsAfter.isPresent()
            ? dropsAfter.getAsLong() - dropsBefore.getAsLong()
            : null;
    return new Result(
        "SOCKET_RCVBUFF",
        receiver.address().toString(),
        receiver.receiveBufferBytes(),
        settings.datagrams(),
        settings.datagramSize(),
        delivered,
        settings.datagrams() - delivered,
        kernelDrops);
  }

  /**
   * What {@link #send()} did. {@code dropped} is sent minus delivered; {@code kernelCountedDrops}
   * is the socket's drop counter from {@code /proc/net/udp} over the burst (null if unreadable).
   */
  public record Result(
      String expectedDropReason,
      String receiver,
      int receiveBufferBytes,
      int sent,
      int datagramBytes,
      int delivered,
      int dropped,
      Long kernelCountedDrops) {}
}
