package io.netdrop.sockets;

import io.netdrop.bpf.BpfObject;
import io.netdrop.bpf.BpfProgram;
import io.netdrop.bpf.btf.Btf;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What releasing a batch of closed connections' tuples costs the registry thread, per-entry
 * system calls against one nd_release run per batch (docs/performance.md, "Batched release of
 * closed connections"). Needs root. Run from agent/ after a build:
 *
 * <pre>java -cp target/classes:target/test-classes:$(cat target/cp.txt) io.netdrop.sockets.ReleaseCost 1300 10000</pre>
 */
public final class ReleaseCost {
  private static final byte[] LO = {127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  private static final int ROUNDS = 41;

  private ReleaseCost() {}

  public static void main(String[] args) throws Exception {
    byte[] elf;
    try (InputStream in = ReleaseCost.class.getResourceAsStream("/bpf/netdrop.bpf.o")) {
      elf = in.readAllBytes();
    }
    Path stats = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    String statsBefore = Files.readString(stats).trim();
    Files.writeString(stats, "1");
    try (BpfObject object = BpfObject.open(elf, Btf.loadVmlinux(), Map.of())) {
      SocketMaps maps =
          new SocketMaps(
              object.map("sockets"), object.map("ports"), object.map("tuples"), object.map("port_hint"));
      BpfProgram program = object.loadProgram("nd_release");
      maps.useKernelRelease(KernelRelease.map(object.map("releasing"), program));
      long netns = ProcSockets.netnsInode();
      for (String arg : args) {
        int n = Integer.parseInt(arg);
        for (boolean inKernel : new boolean[] {false, true}) {
          maps.batchInKernel(inKernel);
          long[] took = new long[ROUNDS];
          BpfProgram.ProgramStats before = program.stats();
          for (int round = 0; round < ROUNDS; round++) {
            SocketMaps.Releases batch = new SocketMaps.Releases();
            for (int i = 0; i < n; i++) {
              SocketEntry e =
                  Endpoints.of(2, LO, 10_000 + i % 50_000, LO, 1 + i / 50_000).toEntry(1_000 + i, 6);
              maps.addTuple(netns, e);
              batch.tuple(netns, e);
            }
            long start = System.nanoTime();
            int removed = maps.releaseOwned(batch);
            took[round] = System.nanoTime() - start;
            if (removed != n) {
              throw new IllegalStateException("removed " + removed + " of " + n);
            }
          }
          java.util.Arrays.sort(took);
          double median = took[ROUNDS / 2] / 1e3;
          BpfProgram.ProgramStats after = program.stats();
          long runs = after.runCount() - before.runCount();
          System.out.printf(
              "%-10s n=%6d: median %8.1f us per batch (best %8.1f), %6.3f us per connection;"
                  + " nd_release runs %d, in-kernel %.1f us per run%n",
              inKernel ? "nd_release" : "per-entry", n, median, took[0] / 1e3, median / n, runs,
              runs == 0 ? 0.0 : (after.runTimeNs() - before.runTimeNs()) / 1e3 / runs);
        }
      }
    } finally {
      Files.writeString(stats, statsBefore);
    }
  }
}
