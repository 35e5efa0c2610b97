package io.netdrop.drops;

import io.netdrop.kernel.DropReasons;
import io.netdrop.kernel.Symbolizer;
import io.netdrop.sockets.InetText;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Formats a drop event as one log line, e.g.
 *
 * <pre>
 * 2026-11-25T15:40:01.123456Z netdrop: drop NO_SOCKET tcp 127.0.0.1:43122 &gt; 127.0.0.1:9 socket=41822 (tuple) len=60 dev=1 cpu=1 at tcp_v4_rcv+0x1b2
 * </pre>
 *
 * <p>Times are UTC with microseconds; IPv6 endpoints are written {@code [::1]:8080}; protocols
 * {@code tcp}, {@code udp}, {@code icmp}, {@code icmpv6}, else {@code proto N}. An event whose
 * headers were not parsed (family 0) has no endpoints in its line. With a {@link DropAttribution}
 * the line ends with the connection, e.g. {@code conn=client 127.0.0.1:51234->127.0.0.1:8443 by
 * com.acme.OrderClient [main]}, when the registry knows the socket. Allocates; thread-safe.
 */
public final class DropFormatter {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private final DropReasons reasons;
  private final Symbolizer symbols;
  private final MonotonicClock clock;
  private final DropAttribution attribution;

  /** A formatter without connection attribution. */
  public DropFormatter(DropReasons reasons, Symbolizer symbols, MonotonicClock clock) {
    this(reasons, symbols, clock, null);
  }

  /** A formatter that appends the connection {@code attribution} finds (null: none). */
  public DropFormatter(
      DropReasons reasons, Symbolizer symbols, MonotonicClock clock, DropAttribution attribution) {
    this.reasons = Objects.requireNonNull(reasons, "reasons");
    this.symbols = Objects.requireNonNull(symbols, "symbols");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.attribution = attribution;
  }

  /** A time as drop lines write it: UTC with microseconds. */
  public static String time(java.time.Instant t) {
    return TIME.format(t);
  }

  /** The event as one line, without a line terminator. */
  public String format(DropEvent e) {
    StringBuilder b = new StringBuilder(160);
    b.append(TIME.format(clock.toInstant(e.timestampNanos())))
        .append(" netdrop: drop ")
        .append(reasons.name(e.reason()))
        .append(' ')
        .append(protocolName(e.protocol()));
    if (e.family() == InetText.AF_INET || e.family() == InetText.AF_INET6) {
      byte[] addr = new byte[16];
      e.copySourceAddress(addr);
      b.append(' ').append(InetText.endpoint(e.family(), addr, e.sourcePort()));
      e.copyDestinationAddress(addr);
      b.append(" > ").append(InetText.endpoint(e.family(), addr, e.destinationPort()));
    }
    b.append(" socket=").append(e.socketInode())
        .append(" (").append(matchName(e.match())).append(')')
        .append(" len=").append(Integer.toUnsignedString(e.skbLength()))
        .append(" dev=").append(Integer.toUnsignedString(e.ifindex()))
        .append(" cpu=").append(Integer.toUnsignedString(e.cpu()))
        .append(" at ").append(symbols.symbolize(e.location()));
    if (attribution != null) {
      attribution.appendTo(b, e);
    }
    return b.toString();
  }

  private static String protocolName(int protocol) {
    switch (protocol) {
      case 1:
        return "icmp";
      case 6:
        return "tcp";
      case 17:
        return "udp";
      case 58:
        return "icmpv6";
      default:
        return "proto " + protocol;
    }
  }

  private static String matchName(int match) {
    switch (match) {
      case DropEvent.MATCH_SOCKET:
        return "socket";
      case DropEvent.MATCH_TUPLE:
        return "tuple";
      case DropEvent.MATCH_PORT:
        return "port";
      default:
        return "match " + match;
    }
  }
}
