package io.netdrop.sockets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.sockets.internal.Creators.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CreatorsTest {
  private static final List<String> SKIPPED =
      List.of("java.", "jdk.", "io.netdrop.sockets.internal.CreatorsTest$Deep");
  private static final Creators CREATORS = Creators.skipping(SKIPPED);
  private static final int FEATURE = Runtime.version().feature();

  /** Frames of a "framework" between the application (this test) and the socket call. */
  static final class Deep {
    static String call(int depth, Supplier<String> leaf) {
      return depth == 0 ? leaf.get() : call(depth - 1, leaf);
    }
  }

  /** Every strategy the running JDK supports, each as a lookup skipping {@link #SKIPPED}. */
  private static List<Creators> everyAvailableStrategy() {
    List<Creators> all = new ArrayList<>();
    for (Strategy s : Strategy.values()) {
      if (s.isAvailable()) {
        all.add(Creators.skipping(SKIPPED, s));
      }
    }
    return all;
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
    assertFalse(c.isSkipped("com.acme.OrderClient"));
  }

  @Test
  void choosesTheDropMethodInfoWalkFrom22AndTheClassContextBefore() {
    // mvn runs the tests on JDK 17 (class context); CreatorsJava25IT repeats this on 25.
    Strategy expected = FEATURE >= 22 ? Strategy.DROP_METHOD_INFO_WALK : Strategy.CLASS_CONTEXT;
    assertEquals(expected, Strategy.chosen());
    assertEquals(expected, Creators.standard().strategy());
    assertEquals(expected, CREATORS.strategy());
    assertEquals(FEATURE >= 22, Strategy.DROP_METHOD_INFO_WALK.isAvailable());
    assertTrue(Strategy.CLASS_CONTEXT.isAvailable(), "SecurityManager.getClassContext is there on 17 and 25");
    assertTrue(Strategy.STACK_WALK.isAvailable());
  }

  @Test
  void rejectsAStrategyTheJdkLacksNamingIt() {
    if (FEATURE >= 22) {
      assertSame(
          Strategy.DROP_METHOD_INFO_WALK,
          Creators.skipping(SKIPPED, Strategy.DROP_METHOD_INFO_WALK).strategy());
      return;
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Creators.skipping(SKIPPED, Strategy.DROP_METHOD_INFO_WALK));
    assertTrue(e.getMessage().contains("DROP_METHOD_INFO"), e.getMessage());
  }

  @Test
  void everyStrategyFindsTheSameApplicationFrameAtAnyDepth() {
    List<Creators> all = everyAvailableStrategy();
    assertEquals(FEATURE >= 22 ? 3 : 2, all.size());
    for (Creators c : all) {
      for (int depth : new int[] {0, 1, 10, 60, 300}) {
        assertEquals(
            CreatorsTest.class.getName(),
            Deep.call(depth, c::firstApplicationClass),
            c.strategy() + ", " + depth + " frames down");
      }
      assertEquals(CreatorsTest.class.getName(), Deep.call(10, c::walkedFirstApplicationClass));
    }
  }

  @Test
  void everyStrategySkipsHiddenLambdaFrames() {
    // Each lookup runs inside a lambda's hidden class (the Supplier of the method reference, and
    // the Runnable below): its name is not in SKIPPED, so only "hidden" keeps it from counting.
    Supplier<String> lambda = () -> "x";
    assertTrue(lambda.getClass().isHidden());
    assertTrue(CREATORS.isSkipped(lambda.getClass()));
    assertFalse(CREATORS.isSkipped(CreatorsTest.class));
    for (Creators c : everyAvailableStrategy()) {
      String[] found = new String[1];
      Runnable inLambda = () -> found[0] = Deep.call(3, c::firstApplicationClass);
      inLambda.run();
      // The lambda's body is a synthetic method of this class: the application frame.
      assertEquals(CreatorsTest.class.getName(), found[0], c.strategy().toString());
    }
  }

  @Test
  void everyStrategyAnswersNullWhenEveryFrameIsSkipped() {
    List<String> everything = List.of("java.", "jdk.", "io.", "org.", "sun.", "com.");
    for (Strategy s : Strategy.values()) {
      if (s.isAvailable()) {
        Creators all = Creators.skipping(everything, s);
        assertNull(all.firstApplicationClass(), s.toString());
        assertNull(Deep.call(20, all::firstApplicationClass), s.toString());
        assertNull(all.walkedFirstApplicationClass(), s.toString());
      }
    }
  }
}
