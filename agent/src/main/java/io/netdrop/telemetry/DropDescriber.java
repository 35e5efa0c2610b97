package io.netdrop.telemetry;

import io.netdrop.drops.DropEvent;
import io.netdrop.drops.DropFormatter;
import io.netdrop.drops.MonotonicClock;
import io.netdrop.drops.OverflowFormatter;
import io.netdrop.sockets.diag.Overflow;
import java.time.Instant;
import io.netdrop.kernel.DropReasons;
import io.netdrop.kernel.Symbolizer;
import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.Endpoints;
import io.netdrop.sockets.InetText;
import io.netdrop.sockets.SpanUses;
import java.util.Objects;

/**
 * Turns a kernel drop event into a {@link Drop}: the reason and kernel location by name, the
 * packet's endpoints seen from this JVM, the connection the {@link ConnectionRegistry} knows, and
 * the trace span that used that connection last at or before the drop. Used on the reader thread.
 */
public final class DropDescriber {
  private final DropReasons reasons;
  private final Symbolizer symbols;
  private final MonotonicClock clock;
  private final ConnectionRegistry registry;
  private final DropFormatter formatter;
  private final byte[] address = new byte[16];

  public DropDescriber(
      DropReasons reasons, Symbolizer symbols, MonotonicClock clock, ConnectionRegistry registry,
      DropFormatter formatter) {
    this.reasons = Objects.requireNonNull(reasons, "reasons");
    this.symbols = Objects.requireNonNull(symbols, "symbols");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.formatter = Objects.requireNonNull(formatter, "formatter");
  }

  /** The record of the event's socket, or null. */
  public ConnectionRecord record(DropEvent e) {
    return e.socketInode() <= 0 ? null : registry.find(e.socketInode());
  }

  /** The span use the drop belongs to, or null. */
  public static SpanUses.Use spanUse(ConnectionRecord r, long dropNanos) {
    SpanUses uses = r == null ? null : r.spans();
    return uses == null ? null : uses.at(dropNanos);
  }

  /** One drop, with its line; {@code r} and {@code use} as {@link #record} and {@link #spanUse} gave. */
  public Drop describe(DropEvent e, ConnectionRecord r, SpanUses.Use use) {
    int family = e.family();
    boolean parsed = family == InetText.AF_INET || family == InetText.AF_INET6;
    Endpoints ends = r == null ? null : r.endpoints();
    String direction = parsed ? direction(e, ends) : null;
    String localAddress = null;
    int localPort = 0;
    String peerAddress = null;
    int peerPort = 0;
    if (parsed && direction != null) {
      boolean rx = direction.equals("receive");
      e.copyDestinationAddress(address);
      String dst = InetText.address(family, address);
      e.copySourceAddress(address);
      String src = InetText.address(family, address);
      localAddress = rx ? dst : src;
      localPort = rx ? e.destinationPort() : e.sourcePort();
      peerAddress = rx ? src : dst;
      peerPort = rx ? e.sourcePort() : e.destinationPort();
    } else if (ends != null) {
      localAddress = InetText.address(ends.family(), ends.localAddress());
      localPort = ends.localPort();
      if (ends.remotePort() > 0) {
        peerAddress = InetText.address(ends.family(), ends.remoteAddress());
        peerPort = ends.remotePort();
      }
    }
    return new Drop(
        reasons.name(e.reason()),
        symbols.symbolize(e.location()),
        1,
        e.timestampNanos(),
        e.timestampNanos(),
        clock.toInstant(e.timestampNanos()),
        transport(e.protocol(), r),
        parsed ? (family == InetText.AF_INET ? "ipv4" : "ipv6") : networkType(ends),
        localAddress,
        localPort,
        peerAddress,
        peerPort,
        direction,
        r == null ? null : r.role().label(),
        r == null ? null : r.creator(),
        e.socketInode(),
        e.skbLength(),
        use == null ? null : use.span(),
        use == null ? 0 : use.lastNanos(),
        formatter.format(e));
  }

  /**
   * A listen-queue overflow as a drop: {@code o.newDrops()} SYNs refused by a full accept queue,
   * seen at {@code now} / {@code nowNanos} (the kernel gives no time per SYN). Its span is the one
   * that last used the listener (bound it, say, inside a request), if any.
   */
  public Drop overflow(Overflow o, Instant now, long nowNanos) {
    ConnectionRecord r = registry.find(o.inode());
    SpanUses.Use use = spanUse(r, nowNanos);
    byte[] a = o.localAddress();
    int family = o.family();
    if (family == InetText.AF_INET6 && InetText.isV4Mapped(a)) {
      family = InetText.AF_INET;
      a = java.util.Arrays.copyOf(java.util.Arrays.copyOfRange(a, 12, 16), 16);
    }
    return new Drop(
        OverflowFormatter.REASON,
        null,
        o.newDrops(),
        nowNanos,
        nowNanos,
        now,
        "tcp",
        family == InetText.AF_INET ? "ipv4" : "ipv6",
        InetText.address(family, a),
        o.localPort(),
        null,
        0,
        "receive",
        "listener",
        r == null ? null : r.creator(),
        o.inode(),
        0,
        use == null ? null : use.span(),
        use == null ? 0 : use.lastNanos(),
        OverflowFormatter.format(o, now));
  }

  /** Seen from this JVM: the packet came to our port or from the peer's, or left ours or went to the peer's. */
  private static String direction(DropEvent e, Endpoints ends) {
    if (ends == null) {
      return null;
    }
    int local = ends.localPort();
    int remote = ends.remotePort();
    if (local > 0 && e.destinationPort() == local || remote > 0 && local == 0 && e.sourcePort() == remote) {
      return "receive";
    }
    if (local > 0 && e.sourcePort() == local || remote > 0 && local == 0 && e.destinationPort() == remote) {
      return "transmit";
    }
    return null;
  }

  private static String transport(int protocol, ConnectionRecord r) {
    int p = protocol != 0 ? protocol : r == null ? 0 : r.protocol();
    return p == 6 ? "tcp" : p == 17 ? "udp" : null;
  }

  private static String networkType(Endpoints ends) {
    if (ends == null) {
      return null;
    }
    return ends.family() == InetText.AF_INET ? "ipv4" : ends.family() == InetText.AF_INET6 ? "ipv6" : null;
  }
}
