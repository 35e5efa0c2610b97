// The getpeername() of the accept hook by each way of calling it (docs/performance.md, "The accept
// hook"), on one accepted loopback socket: JNA's call, the JDK's JNI method given the channel's
// FileDescriptor (java.net and NIO sockets), and given only the number (Netty's sockets: a
// FileDescriptor is made per call). Unarmed (the kernel program returns after the slot check, as
// for any getpeername() of the application) and armed (CreationSlots.describeAccepted: the program
// registers the socket and its tuple, as on every accept; here the same entries, rewritten).
//   javac -cp agent/target/netdrop-agent-flat.jar -d /tmp/gp bench/GetpeernameLoop.java
//   java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
//     -cp agent/target/netdrop-agent-flat.jar:/tmp/gp GetpeernameLoop [SECONDS_PER_ROUND] [ROUNDS]
// Root, in a cgroup v2 of its own (the programs are attached to it; bench/accept-cost.sh shows how).
// Rounds alternate the ways; prints the median over the rounds of each way's CPU ns per call
// (this thread's CPU time, so that time the neighbours take on a shared machine counts less).
import io.netdrop.bpf.BpfLink;
import io.netdrop.bpf.btf.Btf;
import io.netdrop.config.AttachMode;
import io.netdrop.drops.DropProgram;
import io.netdrop.kernel.CgroupV2;
import io.netdrop.sockets.CreationSlots;
import io.netdrop.sockets.ProcSockets;
import io.netdrop.sockets.SocketMaps;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.Getpeername;
import io.netdrop.sockets.internal.SocketCalls;
import java.io.FileDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class GetpeernameLoop {
  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 0.5;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    FileDescriptors fds = FileDescriptors.reflective();
    Getpeername jdk = Getpeername.reflective(fds);
    if (!jdk.jdk()) {
      throw new IllegalStateException("run with --add-opens java.base/sun.nio.ch and java.io");
    }
    DropProgram program =
        DropProgram.load(
            Btf.loadVmlinux(),
            new DropProgram.Settings(1 << 16, 100, 10, 1, AttachMode.AUTO),
            ProcSockets.pidNamespace());
    SocketMaps maps =
        new SocketMaps(
            program.map("sockets"), program.map("ports"), program.map("tuples"), program.map("port_hint"));
    long netns = ProcSockets.netnsInode();
    Path cgroup = CgroupV2.ownDirectory().orElseThrow();
    List<BpfLink> links = new ArrayList<>(program.attachSocketHooks(cgroup));
    links.addAll(program.attachAcceptHooks(cgroup));
    CreationSlots slots = CreationSlots.map(program.map("creating"));
    slots.verifyAccepting(maps, netns);

    int listener = SocketCalls.nativeTcpSocket();
    int port = SocketCalls.bindLoopbackV4(listener);
    SocketCalls.listen(listener, 1);
    int client = SocketCalls.nativeTcpSocket();
    SocketCalls.connectLoopbackV4(client, port);
    int fd = SocketCalls.acceptNative(listener);
    FileDescriptor descriptor = fds.wrap(fd);

    String[] ways = {"jna", "jdk, FileDescriptor", "jdk, number"};
    Getpeername[] calls = {Getpeername.jna(), jdk, jdk};
    FileDescriptor[] given = {null, descriptor, null};
    double[][][] ns = new double[2][ways.length][rounds];
    // CPU time of this thread, so that the neighbours' load on a shared machine counts less.
    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    for (int r = -2; r < rounds; r++) { // two rounds of warm-up
      for (int armed = 0; armed < 2; armed++) {
        for (int w = 0; w < ways.length; w++) {
          slots.useGetpeername(calls[w]);
          long n = 0;
          long end = System.nanoTime() + (long) (seconds * 1e9);
          long c0 = cpu.getCurrentThreadCpuTime();
          do {
            for (int i = 0; i < 1000; i++) {
              if (armed == 1) {
                if (slots.describeAccepted(fd, given[w]) <= 0) {
                  throw new IllegalStateException("not registered by " + ways[w]);
                }
              } else if (!calls[w].call(fd, given[w])) {
                throw new IllegalStateException("getpeername failed by " + ways[w]);
              }
            }
            n += 1000;
          } while (System.nanoTime() - end < 0);
          if (r >= 0) {
            ns[armed][w][r] = (double) (cpu.getCurrentThreadCpuTime() - c0) / n;
          }
        }
      }
    }
    if (!jdk.jdk()) {
      throw new IllegalStateException("the JDK's call fell back to JNA");
    }
    for (int armed = 0; armed < 2; armed++) {
      for (int w = 0; w < ways.length; w++) {
        double[] x = ns[armed][w].clone();
        Arrays.sort(x);
        System.out.printf(
            "%-8s %-22s median %6.0f ns per call (min %.0f, max %.0f)%n",
            armed == 1 ? "armed" : "unarmed", ways[w], x[rounds / 2], x[0], x[rounds - 1]);
      }
    }
    for (int f : new int[] {fd, client, listener}) {
      SocketCalls.closeNative(f);
    }
    links.forEach(BpfLink::close);
    program.close();
  }
}
