package io.netdrop.sockets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Scans this process's sockets and namespaces through /proc. The /proc/net tables list every
 * socket of the network namespace; intersect them with {@link #openSocketInodes()} to get this
 * JVM's own.
 */
public final class ProcSockets {

  public static final int IPPROTO_TCP = 6;
  public static final int IPPROTO_UDP = 17;

  private static final Path FDS = Path.of("/proc/self/fd");
  private static final Path NET = Path.of("/proc/self/net");
  private static final Path NS_NET = Path.of("/proc/self/ns/net");
  private static final Path NS_PID = Path.of("/proc/self/ns/pid");
  private static final String SOCKET_LINK = "socket:[";

  private ProcSockets() {}

  /**
   * The inodes of every socket this process has open, from the {@code socket:[N]} links of
   * {@code /proc/self/fd}. File descriptors closed during the scan are skipped.
   *
   * @throws SocketScanException if {@code /proc/self/fd} cannot be listed
   */
  public static Set<Long> openSocketInodes() {
    Set<Long> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
      for (Path fd : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed (or replaced) since the directory was listed
        }
        if (target.startsWith(SOCKET_LINK) && target.endsWith("]")) {
          try {
            inodes.add(Long.parseLong(target.substring(SOCKET_LINK.length(), target.length() - 1)));
          } catch (NumberFormatException e) {
            throw new SocketScanException("unexpected socket link " + fd + " -> " + target, e);
          }
        }
      }
    } catch (IOException e) {
      throw new SocketScanException("cannot list " + FDS + ": " + e, e);
    }
    return inodes;
  }

  /**
   * All TCP and UDP sockets, IPv4 and IPv6, of this process's network namespace, from {@code
   * /proc/self/net/{tcp,tcp6,udp,udp6}}. A table the kernel does not have (IPv6 disabled) is skipped.
   *
   * @throws SocketScanException if a table cannot be read or is malformed
   */
  public static List<SocketEntry> inetSockets() {
    List<SocketEntry> all = new ArrayList<>();
    all.addAll(readTable("tcp", IPPROTO_TCP, InetText.AF_INET));
    all.addAll(readTable("tcp6", IPPROTO_TCP, InetText.AF_INET6));
    all.addAll(readTable("udp", IPPROTO_UDP, InetText.AF_INET));
    all.addAll(readTable("udp6", IPPROTO_UDP, InetText.AF_INET6));
    return all;
  }

  /**
   * Parses the text of one {@code /proc/net/{tcp,udp}[6]} table (header line first). Addresses are
   * printed by the kernel as 32-bit words in host byte order, so this must run on the machine (or
   * at least the byte order) that produced the text.
   *
   * @throws SocketScanException naming the line if a line is malformed
   * @throws IllegalArgumentException if {@code family} is neither 2 nor 10
   */
  public static List<SocketEntry> parseProcNet(String text, int protocol, int family) {
    return new ProcNetParser(protocol, family).parse(text);
  }

  /**
   * The inode of this process's network namespace, as BPF sees it in {@code
   * net->ns.inum}.
   *
   * @throws SocketScanException if {@code /proc/self/ns/net} cannot be read
   */
  public static long netnsInode() {
    return unixAttribute(NS_NET, "ino");
  }

  /**
   * The pid namespace of this JVM and its pid there ({@link ProcessHandle#pid()}), as the BPF side
   * needs them to recognise this process. The device is {@code st_dev} as {@code stat(2)} reports
   * it, which is what {@code bpf_get_ns_current_pid_tgid()} expects.
   *
   * @throws SocketScanException if {@code /proc/self/ns/pid} cannot be read
   */
  public static PidNamespace pidNamespace() {
    long pid = ProcessHandle.current().pid();
    return new PidNamespace(unixAttribute(NS_PID, "dev"), unixAttribute(NS_PID, "ino"), (int) pid);
  }

  private static long unixAttribute(Path path, String name) {
    try {
      return ((Number) Files.getAttribute(path, "unix:" + name)).longValue();
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      throw new SocketScanException("cannot read " + name + " of " + path + ": " + e, e);
    }
  }

  private static List<SocketEntry> readTable(String name, int protocol, int family) {
    Path path = NET.resolve(name);
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new SocketScanException("cannot read " + path + ": " + e, e);
    }
    try {
      return parseProcNet(text, protocol, family);
    } catch (SocketScanException e) {
      throw new SocketScanException(path + ": " + e.getMessage(), e);
    }
  }

  /** One table's columns: sl local rem st tx:rx tr:when retrnsmt uid timeout inode ... */
  private static final class ProcNetParser {
    private final int protocol;
    private final int family;
    private final int addressHexLength;

    ProcNetParser(int protocol, int family) {
      if (family != InetText.AF_INET && family != InetText.AF_INET6) {
        throw new IllegalArgumentException("family must be 2 (AF_INET) or 10 (AF_INET6): " + family);
      }
      this.protocol = protocol;
      this.family = family;
      this.addressHexLength = family == InetText.AF_INET ? 8 : 32;
    }

    List<SocketEntry> parse(String text) {
      List<SocketEntry> entries = new ArrayList<>();
      String[] lines = text.split("\n");
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i].strip();
        if (line.isEmpty() || (i == 0 && line.startsWith("sl"))) {
          continue;
        }
        try {
          entries.add(entry(line));
        } catch (SocketScanException e) {
          String shown = line.length() > 100 ? line.substring(0, 100) + "..." : line;
          throw new SocketScanException(
              "malformed line " + (i + 1) + " of a " + (family == 2 ? "" : "v6 ")
                  + (protocol == IPPROTO_UDP ? "udp" : "tcp") + " table (" + e.getMessage() + "): '" + shown + "'",
              e);
        }
      }
      return entries;
    }

    private SocketEntry entry(String line) {
      String[] f = line.split("\\s+");
      if (f.length < 10 || !f[0].endsWith(":")) {
        throw new SocketScanException("expected at least 10 columns starting with 'N:'");
      }
      byte[] local = new byte[16];
      int localPort = endpoint(f[1], local);
      byte[] remote = new byte[16];
      int remotePort = endpoint(f[2], remote);
      int state = hex(f[3], 2, "state");
      long inode;
      try {
        inode = Long.parseLong(f[9]);
      } catch (NumberFormatException e) {
        inode = -1;
      }
      if (inode < 0) {
        throw new SocketScanException("inode '" + f[9] + "' is not a decimal number");
      }
      return new SocketEntry(inode, protocol, family, local, localPort, remote, remotePort, state);
    }

    // "0100007F:1F90": the address as 32-bit words in host order, then the port.
    private int endpoint(String field, byte[] address) {
      int colon = field.indexOf(':');
      if (colon != addressHexLength) {
        throw new SocketScanException(
            "address '" + field + "' is not " + addressHexLength + " hex digits and a port");
      }
      ByteBuffer out = ByteBuffer.wrap(address).order(ByteOrder.nativeOrder());
      for (int w = 0; w < addressHexLength / 8; w++) {
        out.putInt(w * 4, (int) hexDigits(field.substring(w * 8, w * 8 + 8), "address"));
      }
      return hex(field.substring(colon + 1), 4, "port");
    }

    private static int hex(String s, int maxDigits, String what) {
      if (s.isEmpty() || s.length() > maxDigits) {
        throw new SocketScanException(what + " '" + s + "' is not up to " + maxDigits + " hex digits");
      }
      return (int) hexDigits(s, what);
    }

    // Stricter than Long.parseLong: no sign, only hex digits.
    private static long hexDigits(String s, String what) {
      long v = 0;
      for (int i = 0; i < s.length(); i++) {
        int d = Character.digit(s.charAt(i), 16);
        if (d < 0) {
          throw new SocketScanException(what + " '" + s + "' is not hex");
        }
        v = (v << 4) | d;
      }
      return v;
    }
  }
}
