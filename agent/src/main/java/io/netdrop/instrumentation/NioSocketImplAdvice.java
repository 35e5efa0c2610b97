package io.netdrop.instrumentation;

import io.netdrop.bootstrap.NetdropBridge;
import io.netdrop.bootstrap.SocketEvents;
import java.io.FileDescriptor;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code sun.nio.ch.NioSocketImpl}, which backs {@code java.net.Socket} and
 * {@code ServerSocket}. Its descriptor is the {@code fd} field inherited from
 * {@code java.net.SocketImpl}. Connect, bind and I/O use {@link ChannelAdvice}'s advice, which
 * reads the same {@code fd} field. Inlined code may only reference bootstrap classes, so every body
 * here is a single bridge call; {@code suppress} keeps even a linkage error away from the caller.
 */
final class NioSocketImplAdvice {
  private NioSocketImplAdvice() {}

  /** {@code create(boolean stream)}: the socket exists. */
  static final class Create {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") FileDescriptor fd,
        @Advice.Argument(0) boolean stream,
        @Advice.This Object self) {
      NetdropBridge.opened(fd, stream ? SocketEvents.TCP : SocketEvents.UDP, self);
    }
  }

  /** {@code accept(SocketImpl si)} returned: {@code si.fd} holds the accepted socket. */
  static final class Accept {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("fd") FileDescriptor listener,
        @ArgumentField(argument = 0, field = "fd") FileDescriptor accepted,
        @Advice.This Object self) {
      NetdropBridge.accepted(listener, accepted, self);
    }
  }

  /**
   * {@code close()}: reported only on the first close of a created socket. {@code Socket} closes
   * its impl again after a failed connect (which already closed it) and on every later
   * {@code close()}, and the descriptor stays "valid" after close, so the impl's own state decides:
   * created ({@code != ST_NEW}) and not yet closing ({@code < ST_CLOSING}). The constants are read
   * from the class, not copied.
   */
  static final class Close {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.FieldValue("fd") FileDescriptor fd,
        @Advice.FieldValue("state") int state,
        @Advice.FieldValue("ST_NEW") int created,
        @Advice.FieldValue("ST_CLOSING") int closing,
        @Advice.This Object self) {
      if (state != created && state < closing) {
        NetdropBridge.closing(fd, self);
      }
    }
  }
}
