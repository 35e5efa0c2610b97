package io.netdrop.instrumentation;

import io.netdrop.bootstrap.NetdropBridge;
import io.netdrop.bootstrap.SocketEvents;
import java.io.FileDescriptor;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code sun.nio.ch.SocketChannelImpl}, {@code ServerSocketChannelImpl} and
 * {@code DatagramChannelImpl}; each holds its descriptor in a final {@code fd} field set by the
 * constructor. Only bootstrap classes may be referenced here (see {@link NioSocketImplAdvice}).
 */
final class ChannelAdvice {
  private ChannelAdvice() {}

  /** Stream channel constructor that creates a socket: TCP, or UNIX for the Unix-domain family. */
  static final class OpenedStream {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") FileDescriptor fd,
        @Advice.FieldValue("family") ProtocolFamily family,
        @Advice.This Object self) {
      NetdropBridge.opened(
          fd, family == StandardProtocolFamily.UNIX ? SocketEvents.UNIX : SocketEvents.TCP, self);
    }
  }

  /** Datagram channel constructor that creates a socket (also behind {@code DatagramSocket}). */
  static final class OpenedDatagram {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.This Object self) {
      NetdropBridge.opened(fd, SocketEvents.UDP, self);
    }
  }

  /** {@code beginConnect(boolean, SocketAddress)} returned: connect() is next. */
  static final class Connecting {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") FileDescriptor fd,
        @Advice.Argument(1) SocketAddress remote,
        @Advice.This Object self) {
      NetdropBridge.connecting(fd, remote, self);
    }
  }

  /** {@code endConnect} / {@code endFinishConnect(boolean, boolean completed)}: bound once completed. */
  static final class Connected {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") FileDescriptor fd,
        @Advice.Argument(1) boolean completed,
        @Advice.This Object self) {
      if (completed) {
        NetdropBridge.bound(fd, self);
      }
    }
  }

  /**
   * A bind returned normally. On {@code DatagramChannelImpl.bindInternal} this also covers the
   * implicit bind to an ephemeral port before the first send, receive or connect.
   */
  static final class Bound {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.This Object self) {
      NetdropBridge.bound(fd, self);
    }
  }

  /** {@code ServerSocketChannelImpl.finishAccept(FileDescriptor newfd, SocketAddress)} returned. */
  static final class Accepted {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") FileDescriptor listener,
        @Advice.Argument(0) FileDescriptor accepted,
        @Advice.This Object self) {
      NetdropBridge.accepted(listener, accepted, self);
    }
  }

  /**
   * {@code DatagramChannelImpl.connect(SocketAddress, boolean)} and
   * {@code NioSocketImpl.connect(SocketAddress, int)}: connecting before, bound after.
   */
  static final class DatagramConnect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.FieldValue("fd") FileDescriptor fd,
        @Advice.Argument(0) SocketAddress remote,
        @Advice.This Object self) {
      NetdropBridge.connecting(fd, remote, self);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.This Object self) {
      NetdropBridge.bound(fd, self);
    }
  }

  /** {@code beginRead} / {@code beginWrite}: once per read, write, send or receive call. */
  static final class Used {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.This Object self) {
      NetdropBridge.used(fd, self);
    }
  }

  /** {@code implCloseSelectableChannel()}: called exactly once, by the first {@code close()}. */
  static final class Closing {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.This Object self) {
      NetdropBridge.closing(fd, self);
    }
  }
}
