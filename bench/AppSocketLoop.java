// The application's own socket calls, timed in CPU time, for bench/registration-path.sh: what
// registering a socket costs the JVM's threads with the kernel hooks and without them.
//   java AppSocketLoop MODE OPS ROUNDS GO_FILE   (MODE: socket, bind, connect): warms up with OPS
// ops, waits for GO_FILE to exist (the script creates it once the agent has started), then prints
// one line per round: the whole process's CPU ns per op.
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

public class AppSocketLoop {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int ops = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(lo, 0), 1024);
      Runnable op;
      switch (mode) {
        case "socket":
          op = () -> { try { SocketChannel.open().close(); } catch (Exception e) { throw new RuntimeException(e); } };
          break;
        case "bind":
          op = () -> {
            try (DatagramChannel ch = DatagramChannel.open()) {
              ch.bind(new InetSocketAddress(lo, 0));
            } catch (Exception e) { throw new RuntimeException(e); }
          };
          break;
        case "connect":
          op = () -> {
            try (SocketChannel c = SocketChannel.open(server.getLocalAddress()); SocketChannel a = server.accept()) {
              c.setOption(java.net.StandardSocketOptions.SO_LINGER, 0); // no TIME_WAIT piles up
            } catch (Exception e) { throw new RuntimeException(e); }
          };
          break;
        default:
          throw new IllegalArgumentException("mode: socket, bind or connect");
      }
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      for (int i = 0; i < ops; i++) {
        op.run();
      }
      java.nio.file.Path go = java.nio.file.Path.of(args[3]);
      while (!java.nio.file.Files.exists(go)) {
        Thread.sleep(10);
      }
      for (int r = 0; r < rounds; r++) {
        long c0 = os.getProcessCpuTime();
        for (int i = 0; i < ops; i++) {
          op.run();
        }
        System.out.println((os.getProcessCpuTime() - c0) / ops);
      }
    }
  }
}
