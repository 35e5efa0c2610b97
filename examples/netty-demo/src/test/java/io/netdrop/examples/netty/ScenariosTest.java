package io.netdrop.examples.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs each scenario on real loopback sockets, on both transports (epoll only where it loads). */
class ScenariosTest {

  private Transport transport;

  @AfterEach
  void close() {
    if (transport != null) {
      transport.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "auto"})
  void refusedConnectIsRefusedEveryTime(String choice) throws IOException {
    transport = Transport.open(choice);
    int closedPort = freshlyClosedPort();

    RefusedConnect.Result result = new RefusedConnect(transport).run(closedPort, 2);

    assertEquals(2, result.refused(), result.toString());
    assertEquals(0, result.connected());
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "auto"})
  void udpFloodOverflowsTheTinyBuffer(String choice) throws InterruptedException {
    transport = Transport.open(choice);

    UdpFlood.Result result = new UdpFlood(transport).run(50, 512);

    assertEquals(50, result.sent());
    assertTrue(result.delivered() >= 1, "the buffer holds at least one datagram: " + result);
    assertTrue(result.dropped() > 0, "50 datagrams must overflow the smallest buffer: " + result);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "auto"})
  void slowConsumerStopsTheWriterWithinTheHold(String choice) throws InterruptedException {
    transport = Transport.open(choice);

    SlowConsumer.Result result = new SlowConsumer(transport).run(Duration.ofMillis(300));

    assertTrue(result.stalledAfterMillis() >= 0, "writer never stalled: " + result);
    assertEquals(300, result.heldMillis());
  }

  private static int freshlyClosedPort() throws IOException {
    // The kernel just handed this port out and nothing listens on it once the socket is closed.
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
