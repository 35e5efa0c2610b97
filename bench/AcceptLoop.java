// What one accept costs the accepting thread, the agent's accept hook included (issue #11, "The
// accept hook" in docs/performance.md). Each op connects a loopback client first, so that accept()
// returns at once, then times ServerSocketChannel.accept() alone (or accept() and Socket adaptor,
// as Tomcat's acceptor does: `socket`), then closes both ends (the client with SO_LINGER 0, so no
// TIME_WAIT piles up).
//   java [-javaagent:...] AcceptLoop OPS ROUNDS [socket]
// Warms up for 8 s (the agent starts in the background), then prints one line
// per round: the median and mean ns per timed call. Run it in a cgroup of its own so that the
// agent's cgroup programs are attached (bench/registration-path.sh shows how).
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

public class AcceptLoop {
  public static void main(String[] args) throws Exception {
    int ops = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    boolean adaptor = args.length > 2 && args[2].equals("socket");
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
      long[] ns = new long[ops];
      // The agent starts in the background (a second or two) and C2 needs a few seconds more.
      long warm = System.nanoTime() + 8_000_000_000L;
      for (int i = 0; i < 2 * ops || System.nanoTime() - warm < 0; i++) {
        op(server, ns, i % ops, adaptor);
      }
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < ops; i++) {
          op(server, ns, i, adaptor);
        }
        long sum = 0;
        for (long x : ns) {
          sum += x;
        }
        Arrays.sort(ns);
        System.out.println("median " + ns[ops / 2] + " ns, mean " + sum / ops + " ns per accept");
      }
    }
  }

  private static void op(ServerSocketChannel server, long[] ns, int i, boolean adaptor) throws Exception {
    SocketChannel client = SocketChannel.open(server.getLocalAddress());
    long t0 = System.nanoTime();
    SocketChannel accepted = server.accept();
    if (adaptor) {
      accepted.socket().setTcpNoDelay(true);
    }
    ns[i] = System.nanoTime() - t0;
    client.setOption(StandardSocketOptions.SO_LINGER, 0);
    client.close();
    accepted.close();
  }
}
