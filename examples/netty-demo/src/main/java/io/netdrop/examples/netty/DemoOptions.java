package io.netdrop.examples.netty;

import java.time.Duration;

/**
 * Command-line options of the demo. Every amount is bounded, so a round always does fixed work.
 *
 * @param rounds how many times the scenario runs (default 3); ignored with {@code serve}
 * @param serve keep running rounds every {@code interval} until the process is stopped
 * @param interval pause between rounds in serve mode (default 5s)
 * @param transport {@code auto} (default), {@code epoll} or {@code nio}
 * @param closedPort loopback port where nothing listens (default 9, the discard port)
 * @param connects refused connects per round (default 3)
 * @param datagrams datagrams per UDP flood (default 200)
 * @param datagramSize payload bytes per datagram (default 512)
 * @param hold how long the slow consumer's connection stays stalled (default 2s)
 */
record DemoOptions(
    int rounds,
    boolean serve,
    Duration interval,
    String transport,
    int closedPort,
    int connects,
    int datagrams,
    int datagramSize,
    Duration hold) {

  static final String USAGE =
      "usage: java -jar netty-demo.jar [--rounds N] [--serve] [--interval-ms N]"
          + " [--transport auto|epoll|nio] [--closed-port P] [--connects N] [--datagrams N]"
          + " [--datagram-size BYTES] [--hold-ms N]";

  /** Parses {@code args} over the defaults; a bad option fails naming the option and the value. */
  static DemoOptions parse(String... args) {
    int rounds = 3;
    boolean serve = false;
    Duration interval = Duration.ofSeconds(5);
    String transport = "auto";
    int closedPort = 9;
    int connects = 3;
    int datagrams = 200;
    int datagramSize = 512;
    Duration hold = Duration.ofSeconds(2);
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--serve")) {
        serve = true;
        continue;
      }
      if (!name.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + name + "'\n" + USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + name + "\n" + USAGE);
      }
      String value = args[++i];
      switch (name) {
        case "--rounds" -> rounds = number(name, value, 1, 1_000);
        case "--interval-ms" -> interval = Duration.ofMillis(number(name, value, 0, 3_600_000));
        case "--transport" -> transport = transport(value);
        case "--closed-port" -> closedPort = number(name, value, 1, 65_535);
        case "--connects" -> connects = number(name, value, 1, 1_000);
        case "--datagrams" -> datagrams = number(name, value, 1, 100_000);
        case "--datagram-size" -> datagramSize = number(name, value, 1, 65_507);
        case "--hold-ms" -> hold = Duration.ofMillis(number(name, value, 0, 60_000));
        default -> throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
      }
    }
    return new DemoOptions(
        rounds, serve, interval, transport, closedPort, connects, datagrams, datagramSize, hold);
  }

  private static String transport(String value) {
    if (value.equals("auto") || value.equals("epoll") || value.equals("nio")) {
      return value;
    }
    throw new IllegalArgumentException("--transport must be auto, epoll or nio, got '" + value + "'");
  }

  private static int number(String name, String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }
}
