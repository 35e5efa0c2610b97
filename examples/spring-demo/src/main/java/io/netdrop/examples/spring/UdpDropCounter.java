package io.netdrop.examples.spring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Reads the kernel's own per-socket drop counter (the {@code drops} column of {@code
 * /proc/net/udp}), an independent check of what the agent reports.
 */
final class UdpDropCounter {

  private static final Path PROC_NET_UDP = Path.of("/proc/net/udp");

  private UdpDropCounter() {}

  /**
   * Drops counted for the IPv4 UDP socket bound to {@code 127.0.0.1:port}, or empty when the table
   * is unreadable (not Linux) or has no such socket.
   */
  static OptionalLong dropsOf(int port) {
    List<String> lines;
    try {
      lines = Files.readAllLines(PROC_NET_UDP);
    } catch (IOException | SecurityException e) {
      return OptionalLong.empty();
    }
    return dropsOf(lines, port);
  }

  /** Same as {@link #dropsOf(int)}, on the given lines of a {@code /proc/net/udp} table. */
  static OptionalLong dropsOf(List<String> lines, int port) {
    // The address is hex in host byte order, hence both spellings of 127.0.0.1.
    String portHex = String.format(Locale.ROOT, ":%04X", port);
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length < 13) {
        continue;
      }
      String local = fields[1];
      boolean loopback = local.startsWith("0100007F") || local.startsWith("7F000001");
      if (loopback && local.endsWith(portHex)) {
        try {
          return OptionalLong.of(Long.parseLong(fields[fields.length - 1]));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }
}
