package io.netdrop.drops;

import io.netdrop.sockets.InetText;
import io.netdrop.sockets.diag.Overflow;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * One line for a listen-queue overflow, in the shape of a drop line. These SYNs never reach
 * kfree_skb (the kernel frees them as consumed); the count is the listener's own {@code sk_drops},
 * read through sock_diag, so it equals what the kernel counted.
 */
public final class OverflowFormatter {
  /** The name used in place of a kernel drop reason. */
  public static final String REASON = "LISTEN_OVERFLOW";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private OverflowFormatter() {}

  /** E.g. {@code ... netdrop: drop LISTEN_OVERFLOW tcp > 127.0.0.1:8080 socket=41822 (sk_drops) count=10 total=10}. */
  public static String format(Overflow o, Instant now) {
    byte[] address = o.localAddress();
    int family = o.family();
    if (family == 10 && InetText.isV4Mapped(address)) {
      // A dual-stack Java listener: show it as the IPv4 endpoint its clients used.
      family = 2;
      address = Arrays.copyOf(Arrays.copyOfRange(address, 12, 16), 16);
    }
    return TIME.format(now) + " netdrop: drop " + REASON + " tcp > "
        + InetText.endpoint(family, address, o.localPort()) + " socket=" + o.inode()
        + " (sk_drops) count=" + o.newDrops() + " total=" + o.totalDrops();
  }
}
