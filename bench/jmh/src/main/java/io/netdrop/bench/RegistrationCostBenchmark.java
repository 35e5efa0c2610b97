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
 * map update and delete, getsockname), and the creator lookup at
 * 20 and 60 frames of depth (class context, and the StackWalker it falls back to). Needs root
 * (creates a BPF map). {@code bench/registration-cost.sh} runs it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RegistrationCostBenchmark {
  private static final Creators CREATORS =
      Creators.skipping(List.of("java.", "jdk.", "sun.", "org.openjdk.", "io.netdrop.bench.RegistrationCostBenchmark$Deep"));

  @Param({"20", "60"})
  public int depth;

  private int fd;
  private BpfMap sockets;
  private SocketMaps maps;
  private long inode;
  private final byte[] sockaddr = new byte[SocketCalls.SOCKADDR_SIZE];

  /** Frames between the "application" (the benchmark method) and the lookup. */
  static final class Deep {
    static String call(int depth, boolean walk) {
      if (depth > 0) {
        return call(depth - 1, walk);
      }
      return walk ? CREATORS.walkedFirstApplicationClass() : CREATORS.firstApplicationClass();
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
    return Deep.call(depth, false);
  }

  @Benchmark
  public String creatorByStackWalker() {
    return Deep.call(depth, true);
  }
}
