package io.netdrop.sockets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CreatorsTest {
  private static final Creators CREATORS =
      Creators.skipping(List.of("java.", "jdk.", "io.netdrop.sockets.internal.CreatorsTest$Deep"));

  /** Frames of a "framework" between the application (this test) and the socket call. */
  static final class Deep {
    static String call(int depth, Supplier<String> leaf) {
      return depth == 0 ? leaf.get() : call(depth - 1, leaf);
    }
  }

  @Test
  void namesTheFirstFrameOutsideTheSkippedPackages() {
    assertEquals(CreatorsTest.class.getName(), Deep.call(5, CREATORS::firstApplicationClass));
  }

  @Test
  void standardListSkipsTheJdkNettyAndNetdrop() {
    Creators c = Creators.standard();
    assertTrue(c.isSkipped("java.net.Socket"));
    assertTrue(c.isSkipped("sun.nio.ch.SocketChannelImpl"));
    assertTrue(c.isSkipped("jdk.internal.net.http.HttpClientImpl"));
    assertTrue(c.isSkipped("io.netty.channel.epoll.EpollSocketChannel"));
    assertTrue(c.isSkipped("io.netdrop.bootstrap.NetdropBridge"));
    assertTrue(!c.isSkipped("com.acme.OrderClient"));
  }

  @Test
  void readsTheClassContextOnThisJdkAndAgreesWithTheStackWalk() {
    assertTrue(Creators.readsClassContext(), "SecurityManager.getClassContext is available on 17 and 25");
    for (int depth : new int[] {0, 10, 60}) {
      assertEquals(
          Deep.call(depth, CREATORS::walkedFirstApplicationClass),
          Deep.call(depth, CREATORS::firstApplicationClass),
          depth + " frames down");
    }
  }

  @Test
  void isNullWhenEveryFrameIsSkipped() {
    Creators all = Creators.skipping(List.of("java.", "jdk.", "io.", "org.", "sun.", "com."));
    assertNull(all.firstApplicationClass());
    assertNull(all.walkedFirstApplicationClass());
  }
}
