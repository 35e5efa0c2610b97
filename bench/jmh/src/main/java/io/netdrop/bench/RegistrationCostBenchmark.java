package io.netdrop.bench;

import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.sockets.SocketMaps;
import io.netdrop.sockets.internal.Creators;
import io.netdrop.sockets.internal.SocketCalls;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The pieces the agent may run on an application thread when a socket opens, binds or connects,
 * each alone: the system calls it avoids where the kernel registers sockets itself (fstat, a bpf
 * map update and delete, getsockname), and the creator lookup by each of its strategies
 * ({@link Creators.Strategy}) in two stack shapes, {@code depth} frames deep:
 *
 * <ul>
 *   <li>{@code creatorBy*}: the application frame at the bottom, below {@code depth} skipped
 *       frames (the worst case: every strategy reads the whole stack);
 *   <li>{@code creatorNearTopBy*}: the realistic shape, the application frame near the top (5
 *       skipped frames above it, as the agent's and the JDK's socket frames are) with {@code depth}
 *       frames of the application's own below it.
 * </ul>
 *
 * The {@code *ByDropMethodInfoWalk} benchmarks need JDK 22+ ({@code StackWalker.Option.DROP_METHOD_INFO})
 * and fail on older JDKs; {@code bench/registration-cost.sh} leaves them out there. Needs root
 * (creates a BPF map).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RegistrationCostBenchmark {
  private static final List<String> SKIPPED =
      List.of(
          "java.", "jdk.", "sun.", "org.openjdk.",
          "io.netdrop.bench.RegistrationCostBenchmark$Deep",
          "io.netdrop.bench.RegistrationCostBenchmark$Above");
  /** Frames skipped above the application frame in the near-top shape. */
  private static final int ABOVE = 5;

  @Param({"20", "60"})
  public int depth;

  private int fd;
  private BpfMap sockets;
  private SocketMaps maps;
  private long inode;
  private final byte[] sockaddr = new byte[SocketCalls.SOCKADDR_SIZE];

  private Creators byClassContext;
  private Creators byDropMethodInfoWalk;
  private Creators byStackWalker;

  /** Skipped frames between the "application" (the benchmark method) and the lookup. */
  static final class Deep {
    static String call(int depth, Creators creators) {
      if (depth > 0) {
        return call(depth - 1, creators);
      }
      return creators.firstApplicationClass();
    }
  }

  /** The application's own frames, below its frame that opens the socket. */
  static final class Below {
    static String call(int depth, Creators creators) {
      if (depth > 0) {
        return call(depth - 1, creators);
      }
      return App.openSocket(creators);
    }
  }

  /** The application frame of the near-top shape. */
  static final class App {
    static String openSocket(Creators creators) {
      return Above.call(ABOVE - 1, creators);
    }
  }

  /** Skipped frames above {@link App}: the agent's and the JDK's socket code. */
  static final class Above {
    static String call(int depth, Creators creators) {
      if (depth > 0) {
        return call(depth - 1, creators);
      }
      return creators.firstApplicationClass();
    }
  }

  @Setup
  public void setup() {
    fd = SocketCalls.nativeUdpSocket();
    if (fd < 0 || SocketCalls.bindLoopbackV4(fd) <= 0) {
      throw new IllegalStateException("cannot create the test socket");
    }
    sockets = BpfMap.create("bench_sockets", BpfConstants.MAP_TYPE_HASH, 8, 4, 65536, 0);
    maps = new SocketMaps(sockets, null, null, null);
    byClassContext = Creators.skipping(SKIPPED, Creators.Strategy.CLASS_CONTEXT);
    byStackWalker = Creators.skipping(SKIPPED, Creators.Strategy.STACK_WALK);
    byDropMethodInfoWalk =
        Creators.Strategy.DROP_METHOD_INFO_WALK.isAvailable()
            ? Creators.skipping(SKIPPED, Creators.Strategy.DROP_METHOD_INFO_WALK)
            : null;
    // Measure only lookups that find the right frame.
    for (Creators c : new Creators[] {byClassContext, byStackWalker, byDropMethodInfoWalk}) {
      if (c != null) {
        expect(RegistrationCostBenchmark.class.getName(), Deep.call(depth, c));
        expect(App.class.getName(), Below.call(depth, c));
      }
    }
  }

  private static void expect(String expected, String found) {
    if (!expected.equals(found)) {
      throw new IllegalStateException("creator lookup found " + found + ", expected " + expected);
    }
  }

  private Creators dropMethodInfoWalk() {
    if (byDropMethodInfoWalk == null) {
      throw new IllegalStateException(
          "StackWalker.Option.DROP_METHOD_INFO needs JDK 22+, this is " + Runtime.version());
    }
    return byDropMethodInfoWalk;
  }

  @TearDown
  public void close() {
    SocketCalls.closeNative(fd);
    sockets.close();
  }

  @Benchmark
  public long fstat() {
    return SocketCalls.inode(fd);
  }

  @Benchmark
  public boolean getsockname() {
    return SocketCalls.address(fd, false, sockaddr);
  }

  @Benchmark
  public boolean mapUpdateAndDelete() {
    long key = ++inode & 0xffff;
    maps.addSocket(key);
    return maps.removeSocket(key);
  }

  @Benchmark
  public String creatorByClassContext() {
    return Deep.call(depth, byClassContext);
  }

  @Benchmark
  public String creatorByDropMethodInfoWalk() {
    return Deep.call(depth, dropMethodInfoWalk());
  }

  @Benchmark
  public String creatorByStackWalker() {
    return Deep.call(depth, byStackWalker);
  }

  @Benchmark
  public String creatorNearTopByClassContext() {
    return Below.call(depth, byClassContext);
  }

  @Benchmark
  public String creatorNearTopByDropMethodInfoWalk() {
    return Below.call(depth, dropMethodInfoWalk());
  }

  @Benchmark
  public String creatorNearTopByStackWalker() {
    return Below.call(depth, byStackWalker);
  }
}
