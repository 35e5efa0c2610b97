package io.netdrop.drops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netdrop.kernel.DropReasons;
import io.netdrop.kernel.KernelSymbols;
import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.ConnectionRecord.Role;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.Endpoints;
import io.netdrop.sockets.TestRecords;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DropAttributionTest {
  /** Timestamp of {@link Events#ipv4NoSocket}: the drop happened at this CLOCK_MONOTONIC time. */
  private static final long DROP_AT = 5_000_000_123_456L;
  private static final long MS = 1_000_000L;

  private final ConnectionRegistry registry = ConnectionRegistry.create(16);

  private static Endpoints endpoints(int localPort, int remotePort) {
    return Endpoints.of(2, Events.v4(127, 0, 0, 1), localPort, Events.v4(127, 0, 0, 1), remotePort);
  }

  private static DropEvent event(long inode) {
    ByteBuffer buf = ByteBuffer.allocate(DropEvent.SIZE).order(ByteOrder.nativeOrder());
    Events.record(buf, 0, DROP_AT, 0xffffffff810041b2L, inode, 3, 1, 1, 60, 1,
        2, 6, DropEvent.MATCH_TUPLE, Events.v4(127, 0, 0, 1), Events.v4(127, 0, 0, 1), 51234, 8443);
    DropEvent e = new DropEvent();
    e.decode(buf, 0);
    return e;
  }

  private static DropFormatter formatter(DropAttribution attribution) {
    KernelSymbols symbols = KernelSymbols.parse(new StringReader("ffffffff81004000 T tcp_v4_rcv\n"));
    Instant at = Instant.parse("2026-11-25T15:40:01.123456Z");
    long offset = at.getEpochSecond() * 1_000_000_000L + at.getNano() - DROP_AT;
    return new DropFormatter(DropReasons.fromEnumerators(Map.of("SKB_DROP_REASON_NO_SOCKET", 3L), "btf"),
        symbols, MonotonicClock.withOffset(offset), attribution);
  }

  @Test
  void dropLineEndsWithTheOpenConnection() {
    TestRecords.add(registry, 41822, Role.CLIENT, endpoints(51234, 8443), "com.acme.OrderClient", "main", 1);
    assertEquals(
        "2026-11-25T15:40:01.123456Z netdrop: drop NO_SOCKET tcp 127.0.0.1:51234 > 127.0.0.1:8443"
            + " socket=41822 (tuple) len=60 dev=1 cpu=1 at tcp_v4_rcv+0x1b2"
            + " conn=client 127.0.0.1:51234->127.0.0.1:8443 by com.acme.OrderClient [main]",
        formatter(new DropAttribution(registry)).format(event(41822)));
  }

  @Test
  void closedConnectionSaysHowLongBeforeTheDropItClosed() {
    ConnectionRecord r =
        TestRecords.add(registry, 41822, Role.SERVER, endpoints(8443, 51234), "com.acme.OrderServer", "acceptor", 1);
    TestRecords.close(registry, r, DROP_AT - 120 * MS);
    assertEquals("conn=server 127.0.0.1:8443->127.0.0.1:51234 by com.acme.OrderServer [acceptor] closed 120ms ago",
        new DropAttribution(registry).describe(event(41822)));
  }

  @Test
  void lastUserIsNamedWithItsDistanceFromTheDrop() {
    ConnectionRecord r =
        TestRecords.add(registry, 7, Role.UDP, Endpoints.of(2, Events.v4(0, 0, 0, 0), 5000, new byte[16], 0),
            null, "main", 1);
    TestRecords.use(r, "worker-1", DROP_AT - 3 * MS);
    assertEquals("conn=udp 0.0.0.0:5000 [main] used by [worker-1] ~3ms before",
        new DropAttribution(registry).describe(event(7)));
  }

  @Test
  void closeAfterTheDropIsNotReportedAsClosed() {
    ConnectionRecord r = TestRecords.add(registry, 9, Role.CLIENT, endpoints(1, 2), "com.acme.C", "t", 1);
    TestRecords.close(registry, r, DROP_AT + 5 * MS); // e.g. QUEUE_PURGE inside close()
    assertEquals("conn=client 127.0.0.1:1->127.0.0.1:2 by com.acme.C [t]",
        new DropAttribution(registry).describe(event(9)));
  }

  @Test
  void unknownSocketGetsNoSuffix() {
    TestRecords.add(registry, 1, Role.CLIENT, endpoints(1, 2), "com.acme.C", "t", 1);
    DropAttribution attribution = new DropAttribution(registry);
    assertNull(attribution.describe(event(41822)));
    assertNull(attribution.describe(event(0)));
    assertEquals(formatter(null).format(event(41822)), formatter(attribution).format(event(41822)));
  }
}
