package io.netdrop.examples.spring;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.OptionalLong;
import org.springframework.stereotype.Component;

/**
 * Sends a burst of "metrics" datagrams from inside the app to its own {@link MetricsReceiver},
 * faster than the receiver's tiny buffer can hold them: the kernel drops the rest with reason
 * {@code SOCKET_RCVBUFF}.
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
   * Drains the receiver (so this request is the one that last read it), sends the burst, drains
   * again and reports how many datagrams made it. Serialized so calls do not blur each other.
   */
  public synchronized Result send() throws IOException {
    receiver.drain();
    int port = receiver.address().getPort();
    OptionalLong before = UdpDropCounter.dropsOf(port);
    ByteBuffer payload = ByteBuffer.allocate(settings.datagramSize());
    try (DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET)) {
      for (int i = 0; i < settings.datagrams(); i++) {
        // Loopback delivers inside send(): when it returns the datagram is queued or dropped.
        sender.send(payload.clear(), receiver.address());
      }
    }
    int delivered = receiver.drain();
    OptionalLong after = UdpDropCounter.dropsOf(port);
    Long kernelDrops =
        before.isPresent() && after.isPresent() ? after.getAsLong() - before.getAsLong() : null;
    return new Result(
        "SOCKET_RCVBUFF",
        receiver.address().toString(),
        receiver.receiveBufferBytes(),
        settings.datagrams(),
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
      int delivered,
      int dropped,
      Long kernelCountedDrops) {}
}
