package io.netdrop.examples.spring;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Opens a loopback TCP connection between two sockets of the app, gives the receiving end the
 * smallest receive buffer the kernel allows, never reads it, and keeps writing from the other end.
 * The window closes, the sender's kernel starts zero-window probes, and the receiver's kernel drops
 * them with reason {@code TCP_OLD_SEQUENCE} (a probe repeats the last acknowledged byte). The
 * probes back off from about 200 ms, so a 3 s hold sees three of them.
 */
@Component
public final class SlowConsumer {

  /** The only drop reason seen on Linux 6.18 while this runs; see the README for the measurement. */
  static final String EXPECTED_DROP_REASON = "TCP_OLD_SEQUENCE";

  private static final int SENDER_BUFFER_BYTES = 64 * 1024;
  private static final Duration WRITE_RETRY = Duration.ofMillis(20);

  private final OrdersProperties.SlowConsumer settings;

  public SlowConsumer(OrdersProperties properties) {
    this.settings = properties.slowConsumer();
  }

  /** Runs one stalled stream for the configured hold time and reports what the sender managed. */
  public Result run() throws IOException, InterruptedException {
    // IPv4 sockets, so drops show plain 127.0.0.1 rather than the JDK's default v4-mapped IPv6.
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
      // Set before listen() so the accepted socket inherits it and advertises a tiny window from
      // the handshake on (the window scale is fixed at SYN time).
      listener.setOption(StandardSocketOptions.SO_RCVBUF, 1);
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
      // Closed in reverse order, receiver first: closing it with data unread resets the
      // connection, so the sender does not linger as an orphan that keeps probing.
      try (SocketChannel sender = SocketChannel.open(StandardProtocolFamily.INET);
          SocketChannel receiver = connectAndAccept(sender, listener)) {
        int receiveBufferBytes = receiver.getOption(StandardSocketOptions.SO_RCVBUF);
        String connection = sender.getLocalAddress() + " > " + receiver.getLocalAddress();
        // A bounded send buffer keeps the stall (and the memory it pins) small and predictable.
        sender.setOption(StandardSocketOptions.SO_SNDBUF, SENDER_BUFFER_BYTES);
        sender.configureBlocking(false);
        Written written = writeUntil(sender, System.nanoTime() + settings.hold().toNanos());
        return new Result(
            EXPECTED_DROP_REASON,
            connection,
            receiveBufferBytes,
            settings.bytes(),
            written.bytes,
            written.stalledAfterMillis,
            settings.hold().toMillis());
      }
    }
  }

  private static SocketChannel connectAndAccept(SocketChannel sender, ServerSocketChannel listener)
      throws IOException {
    sender.connect(listener.getLocalAddress());
    return listener.accept();
  }

  private Written writeUntil(SocketChannel sender, long deadlineNanos)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    long total = 0;
    long stalledAfterMillis = -1;
    while (System.nanoTime() < deadlineNanos) {
      if (total >= settings.bytes()) {
        Thread.sleep(WRITE_RETRY.toMillis());
        continue;
      }
      chunk.clear().limit((int) Math.min(chunk.capacity(), settings.bytes() - total));
      int n = sender.write(chunk);
      total += n;
      if (n == 0) {
        if (stalledAfterMillis < 0) {
          stalledAfterMillis = (System.nanoTime() - start) / 1_000_000;
        }
        Thread.sleep(WRITE_RETRY.toMillis());
      }
    }
    return new Written(total, stalledAfterMillis);
  }

  private record Written(long bytes, long stalledAfterMillis) {}

  /**
   * What {@link #run()} did: {@code bytesWritten} is what the sender's kernel accepted before the
   * window closed (its send buffer plus the receiver's), {@code stalledAfterMillis} when writes
   * started returning 0 (-1 if they never did). {@code receiverBufferBytes} is {@code SO_RCVBUF} as
   * the JDK reports it: on Linux the JDK halves the kernel's value, which {@code ss -tm} shows.
   */
  public record Result(
      String expectedDropReason,
      String connection,
      int receiverBufferBytes,
      long bytesOffered,
      long bytesWritten,
      long stalledAfterMillis,
      long heldMillis) {}
}
