// The accept hook alone (docs/performance.md, "The accept hook"): RegistrySocketEvents.accepted on
// a freshly accepted loopback socket, timed call by call, in three ways that alternate by round:
//   kernel      the cgroup programs attached to this JVM's cgroup: nd_getpeername4/6 register the
//               socket inside the hook's one getpeername(), called the way this build calls it
//   kernel-jna  the same with JNA's getpeername() (this build's fallback; what builds before the
//               JDK's call always did)
//   java        no slots: the hook registers the socket itself (fstat, getsockname, getpeername,
//               two map writes), as in the host's root cgroup
// Each op: a native client connects, the listener accepts natively, then only the hook is timed;
// then closing() and close(2). Prints per way the median over the rounds of the per-round median ns,
// and the bytes the call allocated on average.
//   javac -cp agent/target/netdrop-agent-flat.jar -d /tmp/ahl bench/AcceptHookLoop.java
//   java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
//     -cp agent/target/netdrop-agent-flat.jar:/tmp/ahl AcceptHookLoop [OPS] [ROUNDS] [WAY,...]
// Root, in a cgroup v2 of its own. Runs against an older build's flat jar too (kernel-jna and java
// are then that build's code; the JDK's call is looked up by reflection and skipped if absent).
import io.netdrop.bpf.BpfLink;
import io.netdrop.bpf.btf.Btf;
import io.netdrop.config.AttachMode;
import io.netdrop.drops.DropProgram;
import io.netdrop.kernel.CgroupV2;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.CreationSlots;
import io.netdrop.sockets.ProcSockets;
import io.netdrop.sockets.RegistrySocketEvents;
import io.netdrop.sockets.SocketMaps;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.SocketCalls;
import java.io.FileDescriptor;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class AcceptHookLoop {
  public static void main(String[] args) throws Exception {
    int ops = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    FileDescriptors fds = FileDescriptors.reflective();
    if (!fds.available()) {
      throw new IllegalStateException("run with --add-opens java.base/java.io=ALL-UNNAMED");
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

    // The JDK's call, where this build has it (by reflection: older builds have only JNA's).
    Object jdkCall = null;
    Object jnaCall = null;
    Method use = null;
    try {
      Class<?> g = Class.forName("io.netdrop.sockets.internal.Getpeername");
      jdkCall = g.getMethod("reflective", FileDescriptors.class).invoke(null, fds);
      jnaCall = g.getMethod("jna").invoke(null);
      use = CreationSlots.class.getMethod("useGetpeername", g);
    } catch (ClassNotFoundException e) {
      System.out.println("# this build has no JDK getpeername: kernel is JNA's call");
    }
    CreationSlots slots = CreationSlots.map(program.map("creating"));
    if (use != null) {
      use.invoke(slots, jdkCall);
    }
    slots.verifyAccepting(maps, netns);
    String[] ways = use != null ? new String[] {"kernel", "kernel-jna", "java"} : new String[] {"kernel-jna", "java"};
    if (args.length > 2) {
      ways = args[2].split(",");
    }
    RegistrySocketEvents[] events = new RegistrySocketEvents[ways.length];
    for (int w = 0; w < ways.length; w++) {
      events[w] = RegistrySocketEvents.builder(ConnectionRegistry.create()).fileDescriptors(fds).build();
      events[w].attach(maps, netns);
      if (!ways[w].equals("java")) {
        events[w].useCreationSlots(slots);
      }
    }

    int listener = SocketCalls.nativeTcpSocket();
    int port = SocketCalls.bindLoopbackV4(listener);
    SocketCalls.listen(listener, 128);
    FileDescriptor listenerFd = wrap(listener);
    for (RegistrySocketEvents e : events) {
      e.opened(listenerFd, 1, null);
      e.bound(listenerFd, null);
    }
    long[] ns = new long[ops];
    com.sun.management.ThreadMXBean memory =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long[] allocated = new long[ways.length];
    long[] calls = new long[ways.length];
    double[][] medians = new double[ways.length][rounds];
    for (int r = -3; r < rounds; r++) { // three rounds of warm-up
      for (int w = 0; w < ways.length; w++) {
        if (use != null && !ways[w].equals("java")) {
          use.invoke(slots, ways[w].equals("kernel") ? jdkCall : jnaCall);
        }
        for (int i = 0; i < ops; i++) {
          int client = SocketCalls.nativeTcpSocket();
          SocketCalls.connectLoopbackV4(client, port);
          int accepted = SocketCalls.acceptNative(listener);
          FileDescriptor acceptedFd = wrap(accepted);
          long a0 = memory.getCurrentThreadAllocatedBytes();
          long t0 = System.nanoTime();
          events[w].accepted(listenerFd, acceptedFd, null);
          ns[i] = System.nanoTime() - t0;
          allocated[w] += memory.getCurrentThreadAllocatedBytes() - a0;
          calls[w]++;
          events[w].closing(acceptedFd, null);
          SocketCalls.closeNative(accepted);
          // nd_sock_ops registered the client (a connect of this JVM): it must not fill the map.
          maps.removeSocket(SocketCalls.inode(client));
          SocketCalls.closeNative(client);
        }
        events[w].releasePending(); // the registry thread's work, off the clock
        Arrays.sort(ns);
        if (r >= 0) {
          medians[w][r] = ns[ops / 2];
        }
      }
    }
    for (int w = 0; w < ways.length; w++) {
      double[] m = medians[w].clone();
      Arrays.sort(m);
      System.out.printf(
          "%-11s median %6.0f ns per accepted() (rounds' medians %.0f to %.0f), %d bytes allocated,"
              + " failures %d%n",
          ways[w], m[rounds / 2], m[0], m[rounds - 1], allocated[w] / calls[w], events[w].failures());
      if (events[w].failures() > 0) {
        System.out.println("  last failure: " + events[w].lastFailure());
      }
    }
    SocketCalls.closeNative(listener);
    links.forEach(BpfLink::close);
    program.close();
  }

  private static final java.lang.invoke.VarHandle FD = fdHandle();

  private static java.lang.invoke.VarHandle fdHandle() {
    try {
      return java.lang.invoke.MethodHandles.privateLookupIn(
              FileDescriptor.class, java.lang.invoke.MethodHandles.lookup())
          .findVarHandle(FileDescriptor.class, "fd", int.class);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FileDescriptor wrap(int fd) {
    FileDescriptor d = new FileDescriptor();
    FD.set(d, fd);
    return d;
  }
}
