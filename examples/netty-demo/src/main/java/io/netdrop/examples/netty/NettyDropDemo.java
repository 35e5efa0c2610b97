package io.netdrop.examples.netty;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the drop scenarios (refused connect, UDP flood, slow consumer) a fixed number of rounds and
 * exits, or with {@code --serve} keeps running them until stopped. Prints one line per scenario.
 */
public final class NettyDropDemo {

  private NettyDropDemo() {}

  public static void main(String[] args) throws InterruptedException {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("netty-demo: " + e.getMessage());
      System.exit(2);
      return;
    }
    Thread main = Thread.currentThread();
    CountDownLatch finished = new CountDownLatch(1);
    // In serve mode the process ends by signal: interrupt the rounds and let the sockets close.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  main.interrupt();
                  awaitQuietly(finished);
                }));
    try (Transport transport = Transport.open(options.transport())) {
      log("transport=" + transport.name() + " serve=" + options.serve());
      for (int round = 1; options.serve() || round <= options.rounds(); round++) {
        runRound(round, transport, options);
        if (options.serve()) {
          Thread.sleep(options.interval().toMillis());
        }
      }
    } catch (InterruptedException e) {
      log("stopped");
    } finally {
      finished.countDown();
    }
  }

  private static void runRound(int round, Transport transport, DemoOptions options)
      throws InterruptedException {
    String prefix = "round=" + round + " ";
    log(prefix + new RefusedConnect(transport).run(options.closedPort(), options.connects()));
    log(prefix + new UdpFlood(transport).run(options.datagrams(), options.datagramSize()));
    log(prefix + new SlowConsumer(transport).run(options.hold()));
  }

  private static void log(String line) {
    System.out.println(Instant.now() + " netty-demo: " + line);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
