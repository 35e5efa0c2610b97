package io.netdrop.agent.internal;

import java.lang.instrument.Instrumentation;
import java.time.Duration;

/**
 * For PremainWaitIT: {@link Waiter} starts a thread in its premain that waits for the premains
 * with {@link OtelJavaAgent#awaitPremainsDone}, as netdrop's start thread does; {@link Slow} is an
 * agent after it whose premain takes a while.
 */
public final class PremainWaitApp {
  private static final String SLOW_RETURNED = "premain-wait-it.slow-returned";
  private static final String WAITER_DONE = "premain-wait-it.waiter-done";

  private PremainWaitApp() {}

  public static void main(String[] args) throws InterruptedException {
    System.out.println("app: main");
    for (int i = 0; i < 300 && System.getProperty(WAITER_DONE) == null; i++) {
      Thread.sleep(50);
    }
  }

  /** Premain-Class of the first agent; its argument is the wait's timeout in milliseconds. */
  public static final class Waiter {
    private Waiter() {}

    public static void premain(String args, Instrumentation inst) {
      Duration timeout = Duration.ofMillis(Long.parseLong(args));
      Thread waiter =
          new Thread(
              () -> {
                boolean done = OtelJavaAgent.awaitPremainsDone(timeout);
                System.out.println(
                    "waiter: done=" + done + " slow-premain-returned=" + Boolean.getBoolean(SLOW_RETURNED));
                System.setProperty(WAITER_DONE, "true");
              },
              "waiter");
      waiter.setDaemon(true);
      waiter.start();
    }
  }

  /** Premain-Class of the second agent: takes 1.5 s, like a big agent's start. */
  public static final class Slow {
    private Slow() {}

    public static void premain(String args, Instrumentation inst) throws InterruptedException {
      Thread.sleep(1_500);
      System.setProperty(SLOW_RETURNED, "true");
    }
  }
}
