package io.netdrop.sockets.diag;

import static io.netdrop.sockets.diag.NetlinkAbi.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.netdrop.bpf.sys.Errno;
import io.netdrop.bpf.sys.KernelFd;
import java.nio.ByteBuffer;

/**
 * A {@code NETLINK_SOCK_DIAG} socket: sends requests to the kernel and receives its replies one
 * datagram at a time. Not thread-safe; {@link SockDiag} serialises its use.
 */
final class NetlinkSocket implements AutoCloseable {
  /**
   * Large enough for any dump datagram: the kernel sizes them to at most the reader's buffer,
   * capped near 32 KiB ({@code netlink_recvmsg}). A larger one is detected with MSG_TRUNC.
   */
  static final int RECEIVE_BUFFER = 64 * 1024;

  private static final int EINTR = 4;
  private static final int EAGAIN = 11;

  static {
    Native.register(NetlinkSocket.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private final int fd;
  private final int timeoutMillis;
  private final Memory buffer = new Memory(RECEIVE_BUFFER);
  /** One view of {@code buffer} for every receive: JNA registers each new view in a weak map. */
  private final ByteBuffer received = buffer.getByteBuffer(0, RECEIVE_BUFFER);
  private final Memory request = new Memory(DiagRequest.SIZE);
  private final Memory kernelAddress = new Memory(SOCKADDR_NL_SIZE);
  private final Memory sourceAddress = new Memory(SOCKADDR_NL_SIZE);
  private final Memory sourceLength = new Memory(4);
  private boolean closed;

  private NetlinkSocket(int fd, int timeoutMillis) {
    this.fd = fd;
    this.timeoutMillis = timeoutMillis;
    kernelAddress.clear();
    kernelAddress.setShort(0, (short) AF_NETLINK); // nl_pid 0: the kernel
  }

  /**
   * Opens the socket in this process's network namespace; a receive waits at most {@code
   * timeoutMillis} for the kernel.
   */
  static NetlinkSocket open(int timeoutMillis) {
    int fd;
    try {
      fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    } catch (LastErrorException e) {
      throw new SockDiagException(
          "cannot open a NETLINK_SOCK_DIAG socket: " + Errno.describe(e.getErrorCode()), e);
    }
    try (Memory timeval = new Memory(16)) {
      timeval.setLong(0, timeoutMillis / 1000);
      timeval.setLong(8, (timeoutMillis % 1000) * 1000L);
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16);
    } catch (LastErrorException e) {
      KernelFd.closeQuietly(fd);
      throw new SockDiagException(
          "cannot set a receive timeout on the sock_diag socket: " + Errno.describe(e.getErrorCode()), e);
    }
    return new NetlinkSocket(fd, timeoutMillis);
  }

  /** Sends one request (the buffer's remaining bytes) to the kernel. */
  void send(ByteBuffer message) {
    checkOpen();
    int length = message.remaining();
    if (length > request.size()) {
      throw new IllegalArgumentException("request of " + length + " bytes, at most " + request.size());
    }
    byte[] bytes = new byte[length];
    message.duplicate().get(bytes);
    request.write(0, bytes, 0, length);
    while (true) {
      try {
        long sent = sendto(fd, request, length, 0, kernelAddress, SOCKADDR_NL_SIZE);
        if (sent != length) {
          throw new SockDiagException("sock_diag request: sent " + sent + " of " + length + " bytes");
        }
        return;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EINTR) {
          throw new SockDiagException("cannot send the sock_diag request: " + Errno.describe(e.getErrorCode()), e);
        }
      }
    }
  }

  /**
   * Receives the next datagram from the kernel; datagrams from any other sender (another process
   * can unicast to our port id) are dropped. The returned view is valid until the next call.
   */
  ByteBuffer receive() {
    checkOpen();
    while (true) {
      long length;
      try {
        sourceLength.setInt(0, SOCKADDR_NL_SIZE);
        length = recvfrom(fd, buffer, RECEIVE_BUFFER, MSG_TRUNC, sourceAddress, sourceLength);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINTR) {
          continue;
        }
        if (e.getErrorCode() == EAGAIN) {
          throw new SockDiagException("no sock_diag reply from the kernel within " + timeoutMillis + " ms", e);
        }
        throw new SockDiagException("cannot receive the sock_diag reply: " + Errno.describe(e.getErrorCode()), e);
      }
      if (length > RECEIVE_BUFFER) {
        throw new SockDiagException(
            "sock_diag reply datagram of " + length + " bytes exceeds the " + RECEIVE_BUFFER + "-byte buffer");
      }
      if (sourceAddress.getInt(SOCKADDR_NL_PID) != 0) {
        continue; // not from the kernel
      }
      return received.clear().limit((int) length);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new SockDiagException("the sock_diag socket is closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      KernelFd.closeQuietly(fd);
      buffer.close();
      request.close();
      kernelAddress.close();
      sourceAddress.close();
      sourceLength.close();
    }
  }

  private static native int socket(int domain, int type, int protocol) throws LastErrorException;

  private static native int setsockopt(int fd, int level, int name, Pointer value, int length)
      throws LastErrorException;

  private static native long sendto(int fd, Pointer buffer, long length, int flags, Pointer address, int addressLength)
      throws LastErrorException;

  private static native long recvfrom(
      int fd, Pointer buffer, long length, int flags, Pointer address, Pointer addressLength)
      throws LastErrorException;
}
