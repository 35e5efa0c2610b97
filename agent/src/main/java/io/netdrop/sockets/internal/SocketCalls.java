package io.netdrop.sockets.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The libc calls that turn a socket's file descriptor into what the registry records: its inode
 * ({@code fstat}), its endpoints ({@code getsockname}/{@code getpeername}) and its type
 * ({@code getsockopt}). Direct-mapped JNA with primitive arrays, so a call costs one downcall and
 * no native memory; failures return a negative value instead of throwing, because callers run on
 * the application's threads.
 */
public final class SocketCalls {
  public static final int AF_UNIX = 1;
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 02000000;

  private static final int SOL_SOCKET = 1;
  private static final int SO_TYPE = 3;
  private static final int SO_DOMAIN = 39;
  /** Larger than struct stat on x86_64 (144) and aarch64 (128). */
  static final int STAT_SIZE = 256;
  /** {@code st_ino} follows the 8-byte {@code st_dev} on both x86_64 and the generic (aarch64) layout. */
  private static final int ST_INO = 8;
  /** {@code sizeof(struct sockaddr_storage)}. */
  public static final int SOCKADDR_SIZE = 128;

  private static final Fstat FSTAT = Fstat.load();

  private SocketCalls() {}

  /**
   * The inode of the file open on {@code fd}, as {@code /proc/self/fd/N -> socket:[inode]} shows
   * it; -1 if {@code fd} is not open.
   */
  public static long inode(int fd) {
    if (fd < 0) {
      return -1;
    }
    byte[] st = new byte[STAT_SIZE];
    if (FSTAT.fstat(fd, st) != 0) {
      return -1;
    }
    return ByteBuffer.wrap(st).order(ByteOrder.nativeOrder()).getLong(ST_INO);
  }

  /**
   * Fills {@code sockaddr} (at least {@link #SOCKADDR_SIZE} bytes) with the socket's local
   * address ({@code peer} false) or its peer's; returns false if there is none (not connected)
   * or {@code fd} is not a socket.
   */
  public static boolean address(int fd, boolean peer, byte[] sockaddr) {
    if (fd < 0 || sockaddr.length < SOCKADDR_SIZE) {
      return false;
    }
    int[] len = {sockaddr.length};
    int rc = peer ? Sock.getpeername(fd, sockaddr, len) : Sock.getsockname(fd, sockaddr, len);
    return rc == 0 && len[0] >= 2;
  }

  /** SOCK_STREAM, SOCK_DGRAM, ... of the socket; -1 if {@code fd} is not a socket. */
  public static int type(int fd) {
    return intOption(fd, SO_TYPE);
  }

  /** AF_INET, AF_INET6, AF_UNIX, ... of the socket; -1 if {@code fd} is not a socket. */
  public static int domain(int fd) {
    return intOption(fd, SO_DOMAIN);
  }

  private static int intOption(int fd, int option) {
    if (fd < 0) {
      return -1;
    }
    int[] value = new int[1];
    int[] len = {4};
    return Sock.getsockopt(fd, SOL_SOCKET, option, value, len) == 0 ? value[0] : -1;
  }

  /** A new IPv4 UDP socket made by native code (no Java class involved); -1 on failure. */
  public static int nativeUdpSocket() {
    return Sock.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  }

  /**
   * Binds an AF_INET socket to 127.0.0.1 and a port the kernel picks; returns that port, or -1.
   */
  public static int bindLoopbackV4(int fd) {
    byte[] sa = new byte[16];
    ByteBuffer.wrap(sa).order(ByteOrder.nativeOrder()).putShort(0, (short) AF_INET);
    sa[4] = 127;
    sa[7] = 1;
    if (Sock.bind(fd, sa, sa.length) != 0) {
      return -1;
    }
    byte[] bound = new byte[SOCKADDR_SIZE];
    return address(fd, false, bound) ? port(bound) : -1;
  }

  /** A new IPv4 TCP socket made by native code; -1 on failure. */
  public static int nativeTcpSocket() {
    return Sock.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }

  /** listen(2); false on failure. */
  public static boolean listen(int fd, int backlog) {
    return Sock.listen(fd, backlog) == 0;
  }

  /** Connects (blocking) to 127.0.0.1:{@code port}; false on failure. */
  public static boolean connectLoopbackV4(int fd, int port) {
    byte[] sa = new byte[16];
    ByteBuffer.wrap(sa).order(ByteOrder.nativeOrder()).putShort(0, (short) AF_INET);
    sa[2] = (byte) (port >>> 8);
    sa[3] = (byte) port;
    sa[4] = 127;
    sa[7] = 1;
    return Sock.connect(fd, sa, sa.length) == 0;
  }

  /** Accepts a connection on a native listener (blocking); the new descriptor, or -1. */
  public static int acceptNative(int listener) {
    return Sock.accept4(listener, null, null, SOCK_CLOEXEC);
  }

  /** Closes a descriptor from {@link #nativeUdpSocket()}. */
  public static void closeNative(int fd) {
    Sock.close(fd);
  }

  /** {@code sa_family} of a filled sockaddr. */
  public static int family(byte[] sockaddr) {
    return ByteBuffer.wrap(sockaddr).order(ByteOrder.nativeOrder()).getShort(0) & 0xffff;
  }

  /** The port of an AF_INET/AF_INET6 sockaddr (network order in the struct). */
  public static int port(byte[] sockaddr) {
    return ((sockaddr[2] & 0xff) << 8) | (sockaddr[3] & 0xff);
  }

  /** Copies the address of an AF_INET (4 bytes) or AF_INET6 (16 bytes) sockaddr into {@code dst16}. */
  public static void copyAddress(byte[] sockaddr, byte[] dst16) {
    java.util.Arrays.fill(dst16, (byte) 0);
    if (family(sockaddr) == AF_INET) {
      System.arraycopy(sockaddr, 4, dst16, 0, 4);
    } else if (family(sockaddr) == AF_INET6) {
      System.arraycopy(sockaddr, 8, dst16, 0, 16);
    }
  }

  /** Socket calls that every libc exports. */
  private static final class Sock {
    static {
      Native.register(Sock.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    static native int getsockname(int fd, byte[] addr, int[] addrlen);

    static native int getpeername(int fd, byte[] addr, int[] addrlen);

    static native int getsockopt(int fd, int level, int name, int[] value, int[] len);

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, byte[] addr, int addrlen);

    static native int listen(int fd, int backlog);

    static native int connect(int fd, byte[] addr, int addrlen);

    static native int accept4(int fd, byte[] addr, int[] addrlen, int flags);

    static native int close(int fd);
  }

  /** glibc exports {@code fstat} only since 2.33; older ones have {@code __fxstat(ver, fd, buf)}. */
  private interface Fstat {
    int fstat(int fd, byte[] st);

    static Fstat load() {
      try {
        FstatDirect.init();
        return FstatDirect::fstat;
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        // _STAT_VER: 1 on x86_64 (kernel stat layout), 0 on the generic layout (aarch64).
        int version = Platform.isIntel() ? 1 : 0;
        return (fd, st) -> FxstatDirect.__fxstat(version, fd, st);
      }
    }
  }

  private static final class FstatDirect {
    static {
      Native.register(FstatDirect.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    static void init() {}

    static native int fstat(int fd, byte[] st);
  }

  private static final class FxstatDirect {
    static {
      Native.register(FxstatDirect.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    @SuppressWarnings("checkstyle:MethodName")
    static native int __fxstat(int version, int fd, byte[] st);
  }
}
