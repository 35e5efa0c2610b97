package io.netdrop.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's SNMP counters of the calling process's network namespace ({@code /proc/net/snmp}
 * and {@code /proc/net/netstat}, what {@code nstat} prints): an independent count of drops.
 */
final class SnmpCounters {
  private SnmpCounters() {}

  /** The counter {@code name} of group {@code group} (e.g. Udp RcvbufErrors, TcpExt ListenOverflows). */
  static long read(String group, String name) throws IOException {
    for (String file : List.of("/proc/net/snmp", "/proc/net/netstat")) {
      List<String> lines = Files.readAllLines(Path.of(file));
      for (int i = 0; i + 1 < lines.size(); i++) {
        if (lines.get(i).startsWith(group + ": ") && lines.get(i + 1).startsWith(group + ": ")) {
          List<String> names = List.of(lines.get(i).split("\\s+"));
          int at = names.indexOf(name);
          if (at > 0) {
            return Long.parseLong(lines.get(i + 1).split("\\s+")[at]);
          }
        }
      }
    }
    throw new IllegalStateException("no counter " + group + " " + name);
  }
}
