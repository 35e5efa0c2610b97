package io.netdrop.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.loading.ClassReloadingStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyFd} on stand-ins shaped like Netty's io_uring classes: a channel with a
 * package-private {@code socket} whose superclass has {@code intValue()}, and an inner unsafe that
 * reaches it through {@code this$0}.
 */
class NettyFdTest {
  static volatile int seen = -1;

  /** Like {@code io.netty.channel.unix.FileDescriptor}. */
  static class FakeFd {
    private final int fd;

    FakeFd(int fd) {
      this.fd = fd;
    }

    public int intValue() {
      return fd;
    }
  }

  /** Like {@code LinuxSocket}: adds nothing to the descriptor. */
  static final class FakeSocket extends FakeFd {
    FakeSocket(int fd) {
      super(fd);
    }
  }

  /** Like {@code AbstractIoUringChannel}. */
  static class FakeChannel {
    final FakeSocket socket;

    FakeChannel(FakeSocket socket) {
      this.socket = socket;
    }

    String accept(int child) {
      return "child " + child;
    }

    /** Like {@code AbstractUringUnsafe}; uses its outer instance so javac keeps {@code this$0}. */
    final class Unsafe {
      String complete(int res) {
        return socket + " " + res;
      }
    }
  }

  static final class RecordOuterFd {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@NettyFd({"this$0", "socket"}) int fd) {
      seen = fd;
    }
  }

  static final class RecordOwnFd {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@NettyFd("socket") int fd) {
      seen = fd;
    }
  }

  static final class MissingField {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@NettyFd({"this$0", "sock"}) int fd) {
      seen = fd;
    }
  }

  static final class NoIntValue {
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@NettyFd("this$0") int fd) {
      seen = fd;
    }
  }

  private final ClassReloadingStrategy reloading = ClassReloadingStrategy.of(TestInstrumentation.get());

  @AfterEach
  void restore() throws Exception {
    reloading.reset(FakeChannel.Unsafe.class, FakeChannel.class);
    seen = -1;
  }

  @Test
  void readsTheDescriptorThroughTheOuterChannelOfAnInnerClass() {
    advise(FakeChannel.Unsafe.class, RecordOuterFd.class, "complete");
    FakeChannel channel = new FakeChannel(new FakeSocket(42));
    channel.new Unsafe().complete(0);
    assertEquals(42, seen);
  }

  @Test
  void readsTheDescriptorOfTheInstrumentedChannelsOwnField() {
    advise(FakeChannel.class, RecordOwnFd.class, "accept");
    assertEquals("child 7", new FakeChannel(new FakeSocket(9)).accept(7));
    assertEquals(9, seen);
  }

  @Test
  void aNullSocketNeitherReachesTheApplicationNorReportsADescriptor() {
    advise(FakeChannel.Unsafe.class, RecordOuterFd.class, "complete");
    FakeChannel channel = new FakeChannel(null);
    assertEquals("null 3", channel.new Unsafe().complete(3));
    assertEquals(-1, seen);
  }

  @Test
  void rejectsAFieldChainWithAMissingFieldNamingIt() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> advise(FakeChannel.Unsafe.class, MissingField.class, "complete"));
    assertTrue(e.getMessage().contains("no instance field 'sock'"), e.getMessage());
    assertTrue(e.getMessage().contains(FakeChannel.class.getName()), e.getMessage());
  }

  @Test
  void rejectsAFieldWhoseTypeHasNoIntValue() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> advise(FakeChannel.Unsafe.class, NoIntValue.class, "complete"));
    assertTrue(e.getMessage().contains(FakeChannel.class.getName() + " has no public int intValue()"), e.getMessage());
  }

  private void advise(Class<?> type, Class<?> advice, String method) {
    new ByteBuddy()
        .redefine(type)
        .visit(Advice.withCustomMapping().bind(NettyFd.Factory.INSTANCE).to(advice).on(named(method)))
        .make()
        .load(type.getClassLoader(), reloading);
  }
}
