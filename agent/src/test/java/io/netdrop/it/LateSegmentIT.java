package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A peer's segment that arrives after the app closed its side: the kernel drops it on the
 * orphaned socket (or with no socket at all), which no longer has a file or an inode. netdrop
 * keeps the closed connection's tuple registered for a grace period and still attributes it.
 */
class LateSegmentIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Test
  void attributesAPeersLateSegmentAfterTheAppClosedTheConnection() throws Exception {
    try (ForkedJvm app =
            ForkedJvm.builder()
                .agentArgs("scan-interval-ms=60000") // registration comes from the instrumentation
                .mainClass(DropScenarioApp.class.getName())
                .start();
        ServerSocket peer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      app.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      app.writeLine("connect-hold " + peer.getLocalPort());
      try (Socket accepted = peer.accept()) {
        int appPort = Integer.parseInt(app.awaitLine(l -> l.startsWith("connected "), TIMEOUT).substring(10));
        app.writeLine("close-held");
        app.awaitLine("closed"::equals, TIMEOUT);
        Thread.sleep(200);
        OutputStream out = accepted.getOutputStream();
        out.write(new byte[100]); // the app's side is closed: this segment is dropped there
        out.flush();
        String line =
            app.awaitLine(
                l -> l.contains(" netdrop: drop ") && l.contains(" tcp ")
                    && l.contains("> 127.0.0.1:" + appPort + " "),
                TIMEOUT);
        assertTrue(line.contains("(tuple)") || line.contains("(socket)"), line);
        assertTrue(line.contains(" conn=client 127.0.0.1:" + appPort + "->127.0.0.1:" + peer.getLocalPort()), line);
        assertTrue(line.contains(" by " + DropScenarioApp.class.getName() + " [main]"), line);
        assertTrue(line.contains(" closed ") && line.contains("ms ago"), line);
      }
    }
  }
}
