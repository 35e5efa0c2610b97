package io.netdrop.bootstrap;

import java.io.FileDescriptor;
import java.net.SocketAddress;

/**
 * What the socket instrumentation reports, implemented by the agent. Called from advice inlined
 * into JDK and Netty classes, on the application's threads: implementations must be fast, must
 * not block, and must never throw (the {@link NetdropBridge} swallows anything that escapes).
 *
 * <p>A socket is named by its file descriptor: a {@link FileDescriptor} for JDK sockets, a plain
 * {@code int} for Netty's native transports. The agent turns it into the socket's inode and reads
 * the endpoints itself (getsockname/getpeername), so the advice stays tiny.
 */
public interface SocketEvents {
  /** TCP stream socket. */
  int TCP = 1;
  /** UDP datagram socket. */
  int UDP = 2;
  /** Unix-domain socket (stream or datagram). */
  int UNIX = 3;

  /**
   * A socket is about to be created on the calling thread; {@code opened} follows on the same
   * thread once it exists (or nothing, if creation failed).
   */
  default void creating() {}

  /** A socket was created; no packet has left it yet. {@code kind} is TCP, UDP or UNIX. */
  void opened(FileDescriptor fd, int kind, Object owner);

  /** As {@link #opened(FileDescriptor, int, Object)}, for transports that hold a raw descriptor. */
  void opened(int fd, int kind, Object owner);

  /** {@code connect()} is about to be called towards {@code remote} (may be null if unknown). */
  void connecting(FileDescriptor fd, SocketAddress remote, Object owner);

  void connecting(int fd, SocketAddress remote, Object owner);

  /** bind(), listen() or connect() completed: the local (and peer) endpoints are now known. */
  void bound(FileDescriptor fd, Object owner);

  void bound(int fd, Object owner);

  /** {@code accepted} was returned by accept() on the listener {@code listenerFd}. */
  void accepted(FileDescriptor listenerFd, FileDescriptor accepted, Object owner);

  void accepted(int listenerFd, int accepted, Object owner);

  /**
   * The socket was read or written by the current thread. On the I/O path: implementations do
   * no more than note the thread and the time.
   */
  void used(FileDescriptor fd, Object owner);

  void used(int fd, Object owner);

  /** The application is about to close the socket. */
  void closing(FileDescriptor fd, Object owner);

  void closing(int fd, Object owner);

  /** Ignores everything: the bridge's value until the agent installs its own. */
  SocketEvents NONE = new SocketEvents() {
    @Override
    public void opened(FileDescriptor fd, int kind, Object owner) {}

    @Override
    public void opened(int fd, int kind, Object owner) {}

    @Override
    public void connecting(FileDescriptor fd, SocketAddress remote, Object owner) {}

    @Override
    public void connecting(int fd, SocketAddress remote, Object owner) {}

    @Override
    public void bound(FileDescriptor fd, Object owner) {}

    @Override
    public void bound(int fd, Object owner) {}

    @Override
    public void accepted(FileDescriptor listenerFd, FileDescriptor accepted, Object owner) {}

    @Override
    public void accepted(int listenerFd, int accepted, Object owner) {}

    @Override
    public void used(FileDescriptor fd, Object owner) {}

    @Override
    public void used(int fd, Object owner) {}

    @Override
    public void closing(FileDescriptor fd, Object owner) {}

    @Override
    public void closing(int fd, Object owner) {}
  };
}
