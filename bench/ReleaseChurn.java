import java.net.*;
import java.nio.channels.*;
// Connection churn for bench/release-churn.sh: a loopback client and server in one JVM, connect +
// accept + close (SO_LINGER 0, no TIME_WAIT) at RATE connections a second for SECONDS.
//   java ReleaseChurn RATE SECONDS
public class ReleaseChurn {
  public static void main(String[] a) throws Exception {
    int perSec = Integer.parseInt(a[0]); int secs = Integer.parseInt(a[1]);
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(lo, 0), 1024);
      long start = System.nanoTime(); long n = 0;
      while (System.nanoTime() - start < secs * 1_000_000_000L) {
        long due = start + n * 1_000_000_000L / perSec;
        while (System.nanoTime() < due) Thread.onSpinWait();
        try (SocketChannel c = SocketChannel.open(server.getLocalAddress()); SocketChannel s = server.accept()) {
          c.setOption(StandardSocketOptions.SO_LINGER, 0);
        }
        n++;
      }
      System.out.println("release-churn: " + n + " connections");
    }
  }
}
