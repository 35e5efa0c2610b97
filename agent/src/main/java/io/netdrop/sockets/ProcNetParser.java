package io.netdrop.sockets;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Parses the lines of one {@code /proc/net/{tcp,udp}[6]} table from bytes, making a {@link
 * SocketEntry} only for the inodes wanted: the tables list the whole network namespace (on a busy
 * host, hundreds of thousands of TIME_WAIT lines) while the scanner wants a few of them. Every line
 * is still checked, so a malformed table is reported whichever sockets are wanted; a line costs no
 * allocation unless it is wanted or malformed.
 *
 * <p>Columns: {@code sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...}. Addresses are
 * printed by the kernel as 32-bit words in host byte order, so this must run on the machine (or at
 * least the byte order) that produced the text.
 */
final class ProcNetParser {
  private static final int COLUMNS = 10;

  private final int protocol;
  private final int family;
  private final int addressHexLength;
  private final int[] starts = new int[COLUMNS];
  private final int[] ends = new int[COLUMNS];

  /** @throws IllegalArgumentException if {@code family} is neither 2 nor 10 */
  ProcNetParser(int protocol, int family) {
    if (family != InetText.AF_INET && family != InetText.AF_INET6) {
      throw new IllegalArgumentException("family must be 2 (AF_INET) or 10 (AF_INET6): " + family);
    }
    this.protocol = protocol;
    this.family = family;
    this.addressHexLength = family == InetText.AF_INET ? 8 : 32;
  }

  /**
   * Parses line {@code lineNumber} (1 is the header), {@code b[from, to)} without its newline, and
   * adds its entry to {@code out} if {@code wanted} accepts its inode.
   *
   * @throws SocketScanException naming the line if it is malformed
   */
  void line(byte[] b, int from, int to, int lineNumber, LongPredicate wanted, List<SocketEntry> out) {
    int columns = 0;
    int i = from;
    while (columns < COLUMNS) {
      while (i < to && isSpace(b[i])) {
        i++;
      }
      if (i == to) {
        break;
      }
      starts[columns] = i;
      while (i < to && !isSpace(b[i])) {
        i++;
      }
      ends[columns++] = i;
    }
    if (columns == 0 || (lineNumber == 1 && b[starts[0]] == 's' && ends[0] - starts[0] >= 2
        && b[starts[0] + 1] == 'l')) {
      return; // empty, or the header
    }
    String problem = check(b, columns);
    if (problem != null) {
      throw malformed(b, from, to, lineNumber, problem);
    }
    long inode = decimal(b, starts[9], ends[9]);
    if (inode < 0) { // the last column check() would make, so parsed once
      throw malformed(b, from, to, lineNumber,
          "inode '" + text(b, starts[9], ends[9]) + "' is not a decimal number");
    }
    if (!wanted.test(inode)) {
      return;
    }
    byte[] local = new byte[16];
    int localPort = endpoint(b, 1, local);
    byte[] remote = new byte[16];
    int remotePort = endpoint(b, 2, remote);
    int state = (int) hex(b, starts[3], ends[3]);
    out.add(new SocketEntry(inode, protocol, family, local, localPort, remote, remotePort, state));
  }

  /** What is wrong with the line's columns, or null. Allocates only to describe a problem. */
  private String check(byte[] b, int columns) {
    if (columns < COLUMNS || b[ends[0] - 1] != ':') {
      return "expected at least 10 columns starting with 'N:'";
    }
    for (int c = 1; c <= 2; c++) {
      int colon = indexOf(b, starts[c], ends[c], (byte) ':');
      if (colon - starts[c] != addressHexLength) {
        return "address '" + text(b, starts[c], ends[c]) + "' is not " + addressHexLength
            + " hex digits and a port";
      }
      for (int w = starts[c]; w < colon; w += 8) {
        if (hex(b, w, w + 8) < 0) {
          return "address '" + text(b, starts[c], colon) + "' is not hex";
        }
      }
      if (ends[c] - colon - 1 < 1 || ends[c] - colon - 1 > 4 || hex(b, colon + 1, ends[c]) < 0) {
        return "port '" + text(b, colon + 1, ends[c]) + "' is not up to 4 hex digits";
      }
    }
    if (ends[3] - starts[3] > 2 || hex(b, starts[3], ends[3]) < 0) {
      return "state '" + text(b, starts[3], ends[3]) + "' is not up to 2 hex digits";
    }
    return null;
  }

  // "0100007F:1F90": the address as 32-bit words in host order, then the port.
  private int endpoint(byte[] b, int column, byte[] address) {
    int start = starts[column];
    ByteBuffer out = ByteBuffer.wrap(address).order(ByteOrder.nativeOrder());
    for (int w = 0; w < addressHexLength / 8; w++) {
      out.putInt(w * 4, (int) hex(b, start + w * 8, start + w * 8 + 8));
    }
    return (int) hex(b, start + addressHexLength + 1, ends[column]);
  }

  /** The value of hex digits {@code b[from, to)}, at most 15 of them; -1 if none or not hex. */
  private static long hex(byte[] b, int from, int to) {
    if (to <= from || to - from > 15) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = Character.digit(b[i], 16);
      if (d < 0) {
        return -1;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /** The value of decimal digits {@code b[from, to)}, at most 18 of them; -1 if not so. */
  private static long decimal(byte[] b, int from, int to) {
    if (to <= from || to - from > 18) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  private static int indexOf(byte[] b, int from, int to, byte c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\t' || c == '\r';
  }

  private static String text(byte[] b, int from, int to) {
    return new String(b, from, Math.max(0, to - from), StandardCharsets.ISO_8859_1);
  }

  private SocketScanException malformed(byte[] b, int from, int to, int lineNumber, String problem) {
    String line = text(b, from, to).strip();
    String shown = line.length() > 100 ? line.substring(0, 100) + "..." : line;
    return new SocketScanException(
        "malformed line " + lineNumber + " of a " + (family == InetText.AF_INET ? "" : "v6 ")
            + (protocol == ProcSockets.IPPROTO_UDP ? "udp" : "tcp") + " table (" + problem + "): '"
            + shown + "'");
  }
}
