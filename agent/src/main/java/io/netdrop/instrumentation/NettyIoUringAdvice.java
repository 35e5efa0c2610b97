package io.netdrop.instrumentation;

import io.netdrop.bootstrap.NetdropBridge;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into Netty's io_uring transport ({@code io.netty.channel.uring}), whose connect,
 * accept, reads and writes are submitted to the ring instead of calling the
 * {@code io.netty.channel.unix.Socket} methods {@link NettyAdvice} hooks. The descriptor is read
 * with {@link NettyFd} from the channel's {@code socket} field: from the channel itself, or through
 * {@code this$0} from its inner {@code AbstractUringUnsafe}. Only bootstrap classes are referenced.
 */
final class NettyIoUringAdvice {
  private NettyIoUringAdvice() {}

  /**
   * {@code AbstractUringUnsafe.connect(SocketAddress remote, SocketAddress local, ChannelPromise)}:
   * every connect (TCP, TCP fast open, connected UDP) starts here, before anything is submitted.
   */
  static final class Connect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @NettyFd({"this$0", "socket"}) int fd, @Advice.Argument(0) SocketAddress remote, @Advice.This Object self) {
      NetdropBridge.connecting(fd, remote, self);
    }
  }

  /**
   * {@code AbstractUringUnsafe.connectComplete(byte op, int res, int flags, long data)}: the
   * connect's completion; {@code res == 0} is success (a fast-open send is normalised to 0 before).
   */
  static final class ConnectComplete {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @NettyFd({"this$0", "socket"}) int fd, @Advice.Argument(1) int res, @Advice.This Object self) {
      if (res == 0) {
        NetdropBridge.bound(fd, self);
      }
    }
  }

  /**
   * {@code IoUringServerSocketChannel.newChildChannel(int fd, ByteBuffer address)} returned: the
   * accept completion's descriptor now has its channel.
   */
  static final class NewChild {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @NettyFd("socket") int listener, @Advice.Argument(0) int accepted, @Advice.This Object self) {
      NetdropBridge.accepted(listener, accepted, self);
    }
  }

  /** {@code AbstractUringUnsafe.readComplete/writeComplete}: once per read or write completion. */
  static final class Used {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@NettyFd({"this$0", "socket"}) int fd, @Advice.This Object self) {
      NetdropBridge.used(fd, self);
    }
  }
}
