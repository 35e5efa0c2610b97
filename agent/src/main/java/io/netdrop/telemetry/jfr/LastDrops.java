package io.netdrop.telemetry.jfr;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Lets a recording dumped at JVM exit hold netdrop's last drops. JFR dumps it from its own
 * shutdown hook, which runs beside netdrop's, and netdrop reports the bursts still folding only in
 * its hook: so JFR's end-of-chunk hook, when the JVM is shutting down, waits for netdrop to have
 * reported them ({@link #closed}), at most {@code waitMillis}.
 */
final class LastDrops implements Runnable {
  private final CountDownLatch closed = new CountDownLatch(1);
  private final long waitMillis;
  private final BooleanSupplier shuttingDown;

  LastDrops(long waitMillis, BooleanSupplier shuttingDown) {
    this.waitMillis = waitMillis;
    this.shuttingDown = shuttingDown;
  }

  /** JFR's end-of-chunk hook: at every chunk end, and at the last one of a stopping recording. */
  @Override
  public void run() {
    if (closed.getCount() == 0 || !shuttingDown.getAsBoolean()) {
      return;
    }
    try {
      closed.await(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** netdrop has reported its last drop. */
  void closed() {
    closed.countDown();
  }

  /** Whether the JVM runs its shutdown hooks (it refuses new ones then). */
  static boolean jvmShuttingDown() {
    Thread probe = new Thread(() -> {}, "netdrop-shutdown-probe");
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException shuttingDown) {
      return true;
    }
  }
}
