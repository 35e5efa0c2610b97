package io.netdrop.telemetry;

import static io.netdrop.telemetry.TestDrops.NO_SOCKET;
import static io.netdrop.telemetry.TestDrops.SOCKET_RCVBUFF;
import static io.netdrop.telemetry.TestDrops.TCP_V4_RCV;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.drops.DropEvent;
import io.netdrop.drops.TestDropEvents;
import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.ConnectionRecord.Role;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.Endpoints;
import io.netdrop.sockets.TestRecords;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DropFolderTest {
  private static final long MS = 1_000_000L;
  private static final long T0 = 5_000 * MS;

  private final ConnectionRegistry registry = ConnectionRegistry.create(16);
  private final List<Drop> out = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final DropFolder folder =
      new DropFolder(TestDrops.describer(registry), List.of(out::add), 1_000, errors::add);

  private static Endpoints loopback(int localPort, int remotePort) {
    byte[] lo = new byte[16];
    lo[0] = 127;
    lo[3] = 1;
    return Endpoints.of(2, lo, localPort, lo, remotePort);
  }

  private static DropEvent rcvbuf(long nanos) {
    return TestDropEvents.ipv4(nanos, TCP_V4_RCV, 7, SOCKET_RCVBUFF, 17, DropEvent.MATCH_SOCKET, 40000, 9999);
  }

  @Test
  void firstDropIsReportedAtOnceAndTheBurstAfterItAsOneDropWithCountAndTimeRange() {
    TestRecords.add(registry, 7, Role.UDP, loopback(9999, 0), "com.acme.Metrics", "main", 1);
    for (int i = 0; i < 545; i++) {
      folder.onDrop(rcvbuf(T0 + i * 100_000L));
    }
    assertEquals(1, out.size(), "only the first drop before the window closes");
    assertEquals(1, out.get(0).count());
    folder.tick(T0 + 999 * MS);
    assertEquals(1, out.size(), "window still open");
    folder.tick(T0 + 1_000 * MS);
    assertEquals(2, out.size());
    Drop burst = out.get(1);
    assertEquals(544, burst.count());
    assertEquals(T0 + 100_000L, burst.firstNanos());
    assertEquals(T0 + 544 * 100_000L, burst.lastNanos());
    assertEquals(TestDrops.EPOCH.plusNanos(T0 + 100_000L), burst.firstTime());
    assertTrue(burst.line().endsWith(" count=544 over 54ms"), burst.line());
    assertTrue(burst.line().contains(" netdrop: drop SOCKET_RCVBUFF udp "), burst.line());
    assertEquals(545, out.stream().mapToLong(Drop::count).sum());
    assertEquals("receive", burst.direction());
    assertEquals(9999, burst.localPort());
    assertEquals(40000, burst.peerPort());
    assertEquals("udp", burst.role());
    assertEquals("com.acme.Metrics", burst.creator());
  }

  @Test
  void aQuietWindowIsForgottenSoTheNextDropIsReportedAtOnce() {
    folder.onDrop(rcvbuf(T0));
    folder.tick(T0 + 1_000 * MS); // nothing followed: the fold closes without a report
    assertEquals(1, out.size());
    folder.onDrop(rcvbuf(T0 + 1_500 * MS));
    assertEquals(2, out.size());
    assertEquals(1, out.get(1).count());
  }

  @Test
  void dropsOnDifferentSpansOfOneConnectionAreNotFoldedTogether() {
    ConnectionRecord r = TestRecords.add(registry, 7, Role.UDP, loopback(9999, 0), null, "main", 1);
    Object first = new Object();
    Object second = new Object();
    TestRecords.spanUse(r, first, T0);
    folder.onDrop(rcvbuf(T0 + MS));
    TestRecords.spanUse(r, second, T0 + 10 * MS);
    folder.onDrop(rcvbuf(T0 + 11 * MS));
    folder.onDrop(rcvbuf(T0 + 12 * MS));
    assertEquals(2, out.size());
    assertSame(first, out.get(0).span());
    assertSame(second, out.get(1).span());
    folder.tick(T0 + 1_100 * MS);
    assertEquals(3, out.size());
    assertSame(second, out.get(2).span());
    assertEquals(1, out.get(2).count());
  }

  @Test
  void aDropBelongsToTheSpanThatUsedTheConnectionLastBeforeIt() {
    ConnectionRecord r = TestRecords.add(registry, 7, Role.UDP, loopback(9999, 0), null, "main", 1);
    Object before = new Object();
    Object after = new Object();
    TestRecords.spanUse(r, before, T0);
    TestRecords.spanUse(r, after, T0 + 20 * MS); // processed late: a later span already uses it
    folder.onDrop(rcvbuf(T0 + 5 * MS));
    assertSame(before, out.get(0).span());
  }

  @Test
  void aDropBeforeAnySpanUsedTheConnectionHasNoSpan() {
    ConnectionRecord r = TestRecords.add(registry, 7, Role.UDP, loopback(9999, 0), null, "main", 1);
    TestRecords.spanUse(r, new Object(), T0 + 20 * MS);
    folder.onDrop(rcvbuf(T0));
    assertNull(out.get(0).span());
  }

  @Test
  void refusedConnectIsTheClientsTransmittedPacketTowardsTheServer() {
    TestRecords.add(registry, 8, Role.CLIENT, loopback(0, 8443), "com.acme.OrderClient", "main", 1);
    folder.onDrop(TestDropEvents.ipv4(T0, TCP_V4_RCV, 8, NO_SOCKET, 6, DropEvent.MATCH_TUPLE, 51234, 8443));
    Drop d = out.get(0);
    assertEquals("NO_SOCKET", d.reason());
    assertEquals("tcp_v4_rcv+0x99", d.location());
    assertEquals("transmit", d.direction());
    assertEquals(51234, d.localPort());
    assertEquals(8443, d.peerPort());
    assertEquals(8443L, d.attributes(java.util.Set.of()).get(TelemetryNames.SERVER_PORT));
  }

  @Test
  void listenOverflowBelongsToTheSpanThatBoundTheListener() {
    ConnectionRecord r = TestRecords.add(registry, 9, Role.LISTENER, loopback(8080, 0), null, "main", 1);
    Object request = new Object();
    TestRecords.spanUse(r, request, T0);
    byte[] lo = new byte[16];
    lo[0] = 127;
    lo[3] = 1;
    Drop d =
        TestDrops.describer(registry)
            .overflow(new io.netdrop.sockets.diag.Overflow(9, 2, lo, 8080, 12, 12), TestDrops.EPOCH, T0 + 500 * MS);
    assertSame(request, d.span());
    assertEquals(12, d.count());
    assertEquals("LISTEN_OVERFLOW", d.reason());
    assertEquals("listener", d.role());
    assertEquals(8080, d.localPort());
  }

  @Test
  void zeroWindowReportsEveryDrop() {
    DropFolder each = new DropFolder(TestDrops.describer(registry), List.of(out::add), 0, errors::add);
    for (int i = 0; i < 5; i++) {
      each.onDrop(rcvbuf(T0 + i));
    }
    each.tick(T0 + 10_000 * MS);
    assertEquals(5, out.size());
  }

  @Test
  void aFailingSinkDoesNotStopTheOthers() {
    DropFolder two =
        new DropFolder(
            TestDrops.describer(registry),
            List.of(d -> { throw new IllegalStateException("boom"); }, out::add),
            1_000,
            errors::add);
    two.onDrop(rcvbuf(T0));
    assertEquals(1, out.size());
    assertEquals(1, errors.size());
    assertTrue(errors.get(0).contains("boom"), errors.get(0));
  }

  @Test
  void closeReportsTheOpenBursts() {
    folder.onDrop(rcvbuf(T0));
    folder.onDrop(rcvbuf(T0 + MS));
    folder.close();
    assertEquals(2, out.size());
    assertEquals(1, out.get(1).count());
  }
}
