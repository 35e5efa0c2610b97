package io.netdrop.sockets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

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
  private static final int TABLE_CHUNK = 64 * 1024;

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
    return inetSockets(inode -> true);
  }

  /**
   * The TCP and UDP sockets of {@link #inetSockets()} whose inode {@code wanted} accepts. The
   * tables are read in chunks and only the wanted lines become entries, so a read costs little
   * garbage however many sockets the namespace has (every line was a few kB of it when parsed as
   * strings).
   *
   * @throws SocketScanException if a table cannot be read or is malformed
   */
  public static List<SocketEntry> inetSockets(LongPredicate wanted) {
    List<SocketEntry> all = new ArrayList<>();
    byte[] buffer = new byte[TABLE_CHUNK];
    buffer = readTable("tcp", IPPROTO_TCP, InetText.AF_INET, wanted, buffer, all);
    buffer = readTable("tcp6", IPPROTO_TCP, InetText.AF_INET6, wanted, buffer, all);
    buffer = readTable("udp", IPPROTO_UDP, InetText.AF_INET, wanted, buffer, all);
    readTable("udp6", IPPROTO_UDP, InetText.AF_INET6, wanted, buffer, all);
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
    ProcNetParser parser = new ProcNetParser(protocol, family);
    List<SocketEntry> entries = new ArrayList<>();
    byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
    int line = 0;
    for (int start = 0; start < b.length; ) {
      int end = start;
      while (end < b.length && b[end] != '\n') {
        end++;
      }
      parser.line(b, start, end, ++line, inode -> true, entries);
      start = end + 1;
    }
    return entries;
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

  /** Reads one table into {@code out}; returns the buffer, grown if a line did not fit. */
  private static byte[] readTable(
      String name, int protocol, int family, LongPredicate wanted, byte[] buffer, List<SocketEntry> out) {
    Path path = NET.resolve(name);
    ProcNetParser parser = new ProcNetParser(protocol, family);
    int line = 0;
    try (InputStream in = Files.newInputStream(path)) {
      int start = 0;
      int end = 0;
      int n;
      while ((n = in.read(buffer, end, buffer.length - end)) >= 0) {
        end += n;
        for (int nl = indexOfNewline(buffer, start, end); nl >= 0; nl = indexOfNewline(buffer, start, end)) {
          parser.line(buffer, start, nl, ++line, wanted, out);
          start = nl + 1;
        }
        if (start == 0 && end == buffer.length) {
          buffer = Arrays.copyOf(buffer, buffer.length * 2); // a line longer than the buffer
        } else {
          System.arraycopy(buffer, start, buffer, 0, end - start);
          end -= start;
          start = 0;
        }
      }
      if (end > start) {
        parser.line(buffer, start, end, ++line, wanted, out); // a last line without its newline
      }
    } catch (NoSuchFileException e) {
      return buffer;
    } catch (IOException e) {
      throw new SocketScanException("cannot read " + path + ": " + e, e);
    } catch (SocketScanException e) {
      throw new SocketScanException(path + ": " + e.getMessage(), e);
    }
    return buffer;
  }

  private static int indexOfNewline(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
