package io.netdrop.sockets;

/**
 * Text forms of the 16-byte addresses used across netdrop: {@code "127.0.0.1"}, {@code "::1"}
 * (RFC 5952, with {@code ::ffff:a.b.c.d} for IPv4-mapped addresses), and endpoints {@code
 * "127.0.0.1:9"} / {@code "[::1]:8080"}. Allocates; meant for logs and messages.
 */
public final class InetText {

  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;

  private InetText() {}

  /**
   * The address as text for its family; {@code "?"} for an unknown family.
   *
   * @throws IllegalArgumentException if the array is shorter than the family's address
   */
  public static String address(int family, byte[] address16) {
    if (family == AF_INET) {
      requireLength(address16, 4);
      return ipv4(address16, 0);
    }
    if (family == AF_INET6) {
      requireLength(address16, 16);
      return ipv6(address16);
    }
    return "?";
  }

  /** {@code "127.0.0.1:9"} for IPv4, {@code "[::1]:8080"} for IPv6, {@code "?:port"} otherwise. */
  public static String endpoint(int family, byte[] address16, int port) {
    String a = address(family, address16);
    return family == AF_INET6 ? "[" + a + "]:" + port : a + ":" + port;
  }

  private static void requireLength(byte[] a, int n) {
    if (a == null || a.length < n) {
      throw new IllegalArgumentException(
          "address needs " + n + " bytes, has " + (a == null ? "none" : a.length));
    }
  }

  private static String ipv4(byte[] a, int off) {
    return (a[off] & 0xff) + "." + (a[off + 1] & 0xff) + "." + (a[off + 2] & 0xff) + "." + (a[off + 3] & 0xff);
  }

  private static String ipv6(byte[] a) {
    if (isV4Mapped(a)) {
      return "::ffff:" + ipv4(a, 12);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
    }
    // RFC 5952: compress the longest run (the first of equals) of two or more zero groups.
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder b = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        b.append("::");
        i += bestLen - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(groups[i]));
    }
    return b.toString();
  }

  /** Whether {@code a} is a 16-byte IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}). */
  public static boolean isV4Mapped(byte[] a) {
    if (a.length != 16) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
  }
}
