package io.netdrop.drops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netdrop.kernel.DropReasons;
import io.netdrop.kernel.KernelSymbols;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DropFormatterTest {

  private static DropFormatter formatter() {
    Map<String, Long> reasons = new LinkedHashMap<>();
    reasons.put("SKB_DROP_REASON_NOT_SPECIFIED", 2L);
    reasons.put("SKB_DROP_REASON_NO_SOCKET", 3L);
    reasons.put("SKB_DROP_REASON_SOCKET_RCVBUFF", 6L);
    KernelSymbols symbols =
        KernelSymbols.parse(new StringReader(
            "ffffffff81004000 T tcp_v4_rcv\nffffffff81005000 T __udp6_lib_rcv\nffffffffc0100000 t nft_do_chain\t[nf_tables]\n"));
    // The IPv4 sample event's timestamp (5_000_000_123_456 ns) becomes 2026-11-25T15:40:01.123456Z.
    Instant at = Instant.parse("2026-11-25T15:40:01.123456Z");
    long offsetNanos = at.getEpochSecond() * 1_000_000_000L + at.getNano() - 5_000_000_123_456L;
    return new DropFormatter(DropReasons.fromEnumerators(reasons, "btf"), symbols, MonotonicClock.withOffset(offsetNanos));
  }

  @Test
  void formatsIpv4EventAsOneLine() {
    DropEvent e = new DropEvent();
    e.decode(Events.ipv4NoSocket(ByteOrder.nativeOrder()), 0);
    assertEquals(
        "2026-11-25T15:40:01.123456Z netdrop: drop NO_SOCKET tcp 127.0.0.1:43122 > 127.0.0.1:9"
            + " socket=41822 (tuple) len=60 dev=1 cpu=1 at tcp_v4_rcv+0x1b2",
        formatter().format(e));
  }

  @Test
  void formatsIpv6EventWithBracketedEndpoints() {
    ByteBuffer buf = ByteBuffer.allocate(DropEvent.SIZE).order(ByteOrder.nativeOrder());
    Events.record(buf, 0, 6_000_000_000_000L, 0xffffffff81005010L, 777, 6, 1, 0, 1280, 0,
        10, 17, DropEvent.MATCH_SOCKET, Events.v6Loopback(), Events.v6Loopback(), 53211, 8080);
    DropEvent e = new DropEvent();
    e.decode(buf, 0);
    assertEquals(
        "2026-11-25T15:56:41.123332Z netdrop: drop SOCKET_RCVBUFF udp [::1]:53211 > [::1]:8080"
            + " socket=777 (socket) len=1280 dev=0 cpu=0 at __udp6_lib_rcv+0x10",
        formatter().format(e));
  }

  @Test
  void namesUnknownReasonsProtocolsMatchesAndUnparsedHeaders() {
    ByteBuffer buf = ByteBuffer.allocate(DropEvent.SIZE).order(ByteOrder.nativeOrder());
    Events.record(buf, 0, 5_000_000_000_000L, 0xffffffffc0100004L, 5, 200, 1, 3, 99, 1,
        0, 132, 3, new byte[16], new byte[16], 0, 0);
    DropEvent e = new DropEvent();
    e.decode(buf, 0);
    assertEquals(
        "2026-11-25T15:40:01.123332Z netdrop: drop UNKNOWN(200) proto 132"
            + " socket=5 (port) len=99 dev=3 cpu=1 at nft_do_chain+0x4 [nf_tables]",
        formatter().format(e));
  }
}
