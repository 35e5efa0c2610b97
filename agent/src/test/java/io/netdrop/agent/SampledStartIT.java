package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * netdrop in a JVM that a sampling profiler signals from its start, as continuous profilers in
 * production do. The BPF verifier abandons a load with EAGAIN whenever a signal is pending for the
 * loading thread; at a 100 µs sampling interval every load used to fail ("not started: ...
 * BPF_PROG_LOAD ... EAGAIN").
 */
class SampledStartIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void startsWatchingWhileAProfilerSignalsEveryThreadEvery100Microseconds() throws Exception {
    String arch = System.getProperty("os.arch").equals("aarch64") ? "linux-arm64" : "linux-x64";
    Path profiler =
        Paths.get(System.getProperty("netdrop.it.profiler.dir", "target/test-libs/async-profiler"))
            .resolve(arch)
            .resolve("libasyncProfiler.so")
            .toAbsolutePath();
    assertTrue(Files.isReadable(profiler), "async-profiler unpacked by the build at " + profiler);
    Path flat = Files.createTempFile("netdrop-sampled", ".txt");
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .jvmArg("-agentpath:" + profiler + "=start,event=cpu,interval=100us,file=" + flat)
            .mainClass(WaitingApp.class.getName())
            .start()) {
      String first = jvm.awaitLine(l -> l.startsWith("netdrop: "), TIMEOUT);
      assertTrue(first.startsWith("netdrop: watching kfree_skb drops"), jvm.describe());
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertTrue(jvm.stdout().contains("app: got bye"), jvm.describe());
    } finally {
      Files.deleteIfExists(flat);
    }
  }
}
