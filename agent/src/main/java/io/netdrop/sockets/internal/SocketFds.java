package io.netdrop.sockets.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.netdrop.sockets.SocketScanException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Lists the inodes of this process's open sockets, the {@code socket:[N]} links of {@code
 * /proc/self/fd}, without allocating: the directory is read with {@code getdents64} and each link
 * with {@code readlinkat} into buffers kept across scans, and the inode is parsed from the bytes.
 * (Listing it through {@code java.nio} costs a {@code Path} and a few {@code String}s per
 * descriptor, each second, for the JVM's life.) Not thread-safe: one instance per scanning thread.
 */
public final class SocketFds {
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 02000000; // the same on x86_64 and aarch64
  private static final int EINTR = 4;
  private static final int DIRENT_BUFFER = 32 * 1024;
  /** Longer than any {@code socket:[N]} link (at most 29 bytes), so such a link is never cut. */
  private static final int LINK_BUFFER = 64;
  // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
  private static final int D_RECLEN = 16;
  private static final int D_NAME = 19;
  private static final byte[] SOCKET_LINK = "socket:[".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FD_DIRECTORY = "/proc/self/fd\0".getBytes(StandardCharsets.US_ASCII);

  private final ByteBuffer path = direct(FD_DIRECTORY.length).put(FD_DIRECTORY).clear();
  private final ByteBuffer dirents = direct(DIRENT_BUFFER);
  private final ByteBuffer link = direct(LINK_BUFFER);
  // The descriptor of each socket the last scan found, for {@link #family}.
  private long[] scannedInodes = new long[64];
  private int[] scannedFds = new int[64];
  private int scanned;
  private final long pathAddress = address(path);
  private final long direntsAddress = address(dirents);
  private final long linkAddress = address(link);

  private SocketFds() {}

  /**
   * Binds the libc functions it calls.
   *
   * @throws UnsatisfiedLinkError if libc lacks one (e.g. {@code getdents64}, glibc 2.30+)
   */
  public static SocketFds create() {
    Calls.bind();
    return new SocketFds();
  }

  /**
   * Adds the inode of each socket open in this process to {@code into}. Descriptors closed during
   * the scan are skipped.
   *
   * @throws SocketScanException if {@code /proc/self/fd} cannot be read, or a socket link is not
   *     {@code socket:[<decimal>]}
   */
  public void collect(LongSet into) {
    scanned = 0;
    int dir;
    try {
      dir = Calls.open(pathAddress, O_RDONLY | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SocketScanException("cannot open /proc/self/fd: errno " + e.getErrorCode(), e);
    }
    try {
      long n;
      while ((n = getdents(dir)) > 0) {
        for (int at = 0; at < n; at += dirents.getShort(at + D_RECLEN) & 0xffff) {
          if (dirents.get(at + D_NAME) != '.') { // "." and ".."; every other name is a number
            readSocketLink(dir, at + D_NAME, into);
          }
        }
      }
    } finally {
      try {
        Calls.close(dir);
      } catch (LastErrorException ignored) {
        // Linux releases the descriptor even when close reports an error
      }
    }
  }

  private long getdents(int dir) {
    while (true) {
      try {
        return Calls.getdents64(dir, direntsAddress, DIRENT_BUFFER);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EINTR) {
          throw new SocketScanException("cannot list /proc/self/fd: errno " + e.getErrorCode(), e);
        }
      }
    }
  }

  private void readSocketLink(int dir, int nameAt, LongSet into) {
    long length = Calls.readlinkat(dir, direntsAddress + nameAt, linkAddress, LINK_BUFFER);
    if (length < 0) {
      return; // closed since the directory was read (no errno read: no exception made)
    }
    if (length < SOCKET_LINK.length + 2 || length >= LINK_BUFFER || !startsWithSocket()) {
      return; // a file, pipe, anon inode, ...: only sockets are wanted
    }
    int end = (int) length - 1;
    long inode = 0;
    boolean valid = link.get(end) == ']' && end - SOCKET_LINK.length <= 19;
    for (int i = SOCKET_LINK.length; valid && i < end; i++) {
      int digit = link.get(i) - '0';
      valid = digit >= 0 && digit <= 9;
      inode = inode * 10 + digit;
    }
    if (!valid || inode < 0) {
      byte[] text = new byte[(int) length];
      link.get(0, text);
      throw new SocketScanException(
          "unexpected socket link " + nameText(nameAt) + " -> " + new String(text, StandardCharsets.US_ASCII));
    }
    into.add(inode);
    if (scanned == scannedInodes.length) {
      scannedInodes = java.util.Arrays.copyOf(scannedInodes, scanned * 2);
      scannedFds = java.util.Arrays.copyOf(scannedFds, scanned * 2);
    }
    scannedInodes[scanned] = inode;
    scannedFds[scanned++] = fdNumber(nameAt);
  }

  private int fdNumber(int nameAt) {
    int fd = 0;
    for (int i = nameAt; dirents.get(i) != 0; i++) {
      fd = fd * 10 + (dirents.get(i) - '0');
    }
    return fd;
  }

  /**
   * The address family ({@code SO_DOMAIN}: 1 Unix, 2 IPv4, 10 IPv6, 16 netlink, ...) of socket
   * {@code inode} as found by the last {@link #collect}, read through the descriptor it had then;
   * -1 if that scan did not find it or the descriptor is closed. The descriptor may have been
   * closed and reused since: the answer is then another socket's, which costs a caller that only
   * skips work for sockets that are not TCP or UDP nothing (the socket it asked about is gone).
   */
  public int family(long inode) {
    for (int i = 0; i < scanned; i++) {
      if (scannedInodes[i] == inode) {
        return SocketCalls.domain(scannedFds[i]);
      }
    }
    return -1;
  }

  private boolean startsWithSocket() {
    for (int i = 0; i < SOCKET_LINK.length; i++) {
      if (link.get(i) != SOCKET_LINK[i]) {
        return false;
      }
    }
    return true;
  }

  private String nameText(int nameAt) {
    StringBuilder b = new StringBuilder("/proc/self/fd/");
    for (int i = nameAt; dirents.get(i) != 0; i++) {
      b.append((char) dirents.get(i));
    }
    return b.toString();
  }

  private static ByteBuffer direct(int size) {
    return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
  }

  private static long address(ByteBuffer buffer) {
    return Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
  }

  /**
   * Direct-mapped libc, pointers passed as addresses ({@code long}) so that a call makes no JNA
   * {@code Pointer} objects.
   */
  private static final class Calls {
    static {
      Native.register(Calls.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    static void bind() {
      // The static initialiser registers the natives, or fails with UnsatisfiedLinkError.
    }

    static native int open(long path, int flags) throws LastErrorException;

    static native long getdents64(int fd, long buffer, long count) throws LastErrorException;

    /** -1 when the descriptor is gone: the caller skips it whatever errno says. */
    static native long readlinkat(int dirFd, long path, long buffer, long size);

    static native int close(int fd) throws LastErrorException;
  }
}
