package io.netdrop.sockets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

  /** The measurement behind RegistrySocketEvents.DEFAULT_CAPTURE_CREATOR; printed, loosely bounded. */
  @Test
  void stackWalkCostPerSocketIsMicroseconds() {
    for (int depth : new int[] {10, 60}) {
      for (int i = 0; i < 20_000; i++) {
        Deep.call(depth, CREATORS::firstApplicationClass);
      }
      int n = 20_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Deep.call(depth, CREATORS::firstApplicationClass);
      }
      double micros = (System.nanoTime() - t0) / 1000.0 / n;
      System.out.printf("creator stack walk, application frame %d frames down: %.2f us%n", depth, micros);
      assertTrue(micros < 200, depth + " frames: " + micros + " us");
    }
  }
}
