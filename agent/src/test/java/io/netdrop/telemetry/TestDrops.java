package io.netdrop.telemetry;

import io.netdrop.drops.DropAttribution;
import io.netdrop.drops.DropFormatter;
import io.netdrop.drops.MonotonicClock;
import io.netdrop.kernel.DropReasons;
import io.netdrop.kernel.KernelSymbols;
import io.netdrop.sockets.ConnectionRegistry;
import java.io.StringReader;
import java.time.Instant;
import java.util.Map;

/** Describers and drops for telemetry tests: reasons NO_SOCKET (3) and SOCKET_RCVBUFF (5). */
public final class TestDrops {
  public static final int NO_SOCKET = 3;
  public static final int SOCKET_RCVBUFF = 5;
  /** Kernel address of tcp_v4_rcv+0x99. */
  public static final long TCP_V4_RCV = 0xffffffff81004099L;
  /** The wall-clock time of CLOCK_MONOTONIC 0 in these tests. */
  public static final Instant EPOCH = Instant.parse("2026-12-03T10:00:00Z");

  private TestDrops() {}

  public static DropDescriber describer(ConnectionRegistry registry) {
    DropReasons reasons =
        DropReasons.fromEnumerators(
            Map.of("SKB_DROP_REASON_NO_SOCKET", (long) NO_SOCKET, "SKB_DROP_REASON_SOCKET_RCVBUFF", (long) SOCKET_RCVBUFF),
            "btf");
    KernelSymbols symbols = KernelSymbols.parse(new StringReader("ffffffff81004000 T tcp_v4_rcv\n"));
    MonotonicClock clock =
        MonotonicClock.withOffset(EPOCH.getEpochSecond() * 1_000_000_000L + EPOCH.getNano());
    return new DropDescriber(
        reasons, symbols, clock, registry,
        new DropFormatter(reasons, symbols, clock, new DropAttribution(registry)));
  }

  /** A drop at {@code nanos} with this span handle, for sinks. */
  public static Drop drop(String reason, long nanos, Object span, long spanLastUseNanos) {
    return new Drop(
        reason, "tcp_v4_rcv+0x99", 1, nanos, nanos, EPOCH.plusNanos(nanos), "tcp", "ipv4",
        "127.0.0.1", 51234, "127.0.0.1", 8443, "transmit", "client", "com.acme.OrderClient",
        41822, 60, span, spanLastUseNanos, "line " + reason);
  }
}
