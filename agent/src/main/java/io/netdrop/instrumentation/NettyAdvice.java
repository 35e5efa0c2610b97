package io.netdrop.instrumentation;

import io.netdrop.bootstrap.NetdropBridge;
import io.netdrop.bootstrap.SocketEvents;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into Netty's {@code io.netty.channel.unix.Socket} and its superclass
 * {@code io.netty.channel.unix.FileDescriptor}, shared by the epoll and io_uring transports. The
 * descriptor is the package-private {@code int fd} of {@code FileDescriptor}, which is why only
 * methods declared in {@code io.netty.channel.unix} are instrumented. Netty is matched by name:
 * there is no compile-time dependency on it.
 */
final class NettyAdvice {
  private NettyAdvice() {}

  /** {@code static int newSocketStream0(boolean)} returned a new TCP socket. */
  static final class OpenedStream {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter() {
      NetdropBridge.creating();
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Return int fd) {
      NetdropBridge.opened(fd, SocketEvents.TCP, null);
    }
  }

  /** {@code static int newSocketDgram0(boolean)} returned a new UDP socket. */
  static final class OpenedDatagram {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter() {
      NetdropBridge.creating();
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Return int fd) {
      NetdropBridge.opened(fd, SocketEvents.UDP, null);
    }
  }

  /** {@code static int newSocketDomain0()} / {@code newSocketDomainDgram0()}: a Unix-domain socket. */
  static final class OpenedDomain {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Return int fd) {
      NetdropBridge.opened(fd, SocketEvents.UNIX, null);
    }
  }

  /** {@code boolean connect(SocketAddress)}: connecting before; bound if it completed at once. */
  static final class Connect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.FieldValue("fd") int fd, @Advice.Argument(0) SocketAddress remote, @Advice.This Object self) {
      NetdropBridge.connecting(fd, remote, self);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") int fd, @Advice.Return boolean connected, @Advice.This Object self) {
      if (connected) {
        NetdropBridge.bound(fd, self);
      }
    }
  }

  /** {@code boolean finishConnect()}: bound once the pending connect completed. */
  static final class FinishConnect {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") int fd, @Advice.Return boolean connected, @Advice.This Object self) {
      if (connected) {
        NetdropBridge.bound(fd, self);
      }
    }
  }

  /** {@code void bind(SocketAddress)} returned. */
  static final class Bind {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.FieldValue("fd") int fd, @Advice.This Object self) {
      NetdropBridge.bound(fd, self);
    }
  }

  /** {@code int accept(byte[])}: a descriptor {@code >= 0} is the accepted socket, -1 means none yet. */
  static final class Accept {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") int fd, @Advice.Return int accepted, @Advice.This Object self) {
      if (accepted >= 0) {
        NetdropBridge.accepted(fd, accepted, self);
      }
    }
  }

  /** A read, write, send or receive call, before the syscall. */
  static final class Used {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.FieldValue("fd") int fd, @Advice.This Object self) {
      NetdropBridge.used(fd, self);
    }
  }

  /** {@code boolean markClosed()} returns true exactly once, just before close(2). */
  static final class Closing {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") int fd, @Advice.Return boolean closedNow, @Advice.This Object self) {
      if (closedNow) {
        NetdropBridge.closing(fd, self);
      }
    }
  }
}
