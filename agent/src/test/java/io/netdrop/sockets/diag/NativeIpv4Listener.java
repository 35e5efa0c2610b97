package io.netdrop.sockets.diag;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An AF_INET listener made with libc directly: the JDK opens IPv4 server sockets as dual-stack
 * AF_INET6 sockets (::ffff:127.0.0.1), so only this way does the test see an IPv4-family listener.
 */
final class NativeIpv4Listener implements AutoCloseable {
  private interface C extends Library {
    C INSTANCE = Native.load(Platform.C_LIBRARY_NAME, C.class);

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int getsockname(int fd, byte[] address, int[] length) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private final int fd;
  final int port;
  final long inode;

  /** Listens on 127.0.0.1, an ephemeral port, with the given backlog. */
  NativeIpv4Listener(int backlog) throws Exception {
    fd = C.INSTANCE.socket(2, 1 | 0x80000, 0); // AF_INET, SOCK_STREAM | SOCK_CLOEXEC
    byte[] address = new byte[16]; // sockaddr_in: family (host order), port, address (network order)
    address[0] = 2;
    address[4] = 127;
    address[7] = 1;
    C.INSTANCE.bind(fd, address, 16);
    C.INSTANCE.listen(fd, backlog);
    int[] length = {16};
    C.INSTANCE.getsockname(fd, address, length);
    port = ((address[2] & 0xff) << 8) | (address[3] & 0xff);
    String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    inode = Long.parseLong(link.substring("socket:[".length(), link.length() - 1));
  }

  @Override
  public void close() {
    C.INSTANCE.close(fd);
  }
}
