package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

/** Test helper: makes sure tracefs is mounted (CI runs as root), the way an operator would. */
final class TracefsMount {

  private TracefsMount() {}

  /** Mounts tracefs at /sys/kernel/tracing if nothing is mounted; true if this call mounted it. */
  static boolean ensureMounted() throws Exception {
    if (Tracefs.root().isPresent()) {
      return false;
    }
    Process p =
        new ProcessBuilder("mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing")
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "mount timed out");
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.exitValue(), "mount -t tracefs failed: " + out);
    assertTrue(Tracefs.root().isPresent(), "tracefs still not found after mounting");
    return true;
  }

  static void unmount() throws Exception {
    new ProcessBuilder("umount", "/sys/kernel/tracing").inheritIO().start().waitFor(30, TimeUnit.SECONDS);
  }
}
