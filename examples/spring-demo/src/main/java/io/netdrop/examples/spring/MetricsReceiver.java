package io.netdrop.examples.spring;

import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.springframework.stereotype.Component;

/**
 * The app's UDP "metrics" receiver: bound to 127.0.0.1 with the smallest receive buffer the kernel
 * allows, and nobody reading it. Datagrams that arrive while its buffer is full are dropped by the
 * kernel with reason {@code SOCKET_RCVBUFF}.
 */
@Component
public final class MetricsReceiver implements AutoCloseable {

  private final DatagramChannel channel;
  private final InetSocketAddress address;
  private final int receiveBufferBytes;

  public MetricsReceiver() throws IOException {
    channel = DatagramChannel.open(StandardProtocolFamily.INET);
    try {
      // The kernel doubles the request and raises it to its minimum (SOCK_MIN_RCVBUF), so asking
      // for 1 byte yields the smallest buffer there is: room for about one small datagram.
      channel.setOption(StandardSocketOptions.SO_RCVBUF, 1);
      channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      channel.configureBlocking(false);
      address = (InetSocketAddress) channel.getLocalAddress();
      receiveBufferBytes = channel.getOption(StandardSocketOptions.SO_RCVBUF);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The loopback address the receiver is bound to. */
  public InetSocketAddress address() {
    return address;
  }

  /**
   * The receive buffer size as the JDK reports {@code SO_RCVBUF}; on Linux the JDK halves the
   * kernel's value so that it matches what was set.
   */
  public int receiveBufferBytes() {
    return receiveBufferBytes;
  }

  /**
   * Reads and discards every datagram queued right now, without waiting, so the next burst starts
   * from an empty buffer. Returns how many there were.
   */
  public int drain() {
    ByteBuffer scratch = ByteBuffer.allocate(65_536);
    int count = 0;
    try {
      while (channel.receive(scratch.clear()) != null) {
        count++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("draining the metrics receiver on " + address + " failed", e);
    }
    return count;
  }

  @Override
  @PreDestroy
  public void close() throws IOException {
    channel.close();
  }
}
