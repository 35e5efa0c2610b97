package io.netdrop.agent.internal;

import io.netdrop.drops.DropProgram;
import io.netdrop.sockets.KernelRelease;
import io.netdrop.sockets.SocketMaps;

/**
 * Sets up the batched release of closed connections' kernel entries (docs/design.md, "Batched
 * release of closed connections") where the kernel loads {@code nd_release} and it passes a round
 * trip; otherwise each closed connection's entries take their own system calls, and the start-up
 * line says why.
 */
final class ReleaseSetup {
  /** Words of the start-up line when batches are released in the kernel. */
  static final String IN_KERNEL = "closed connections released in batches (nd_release)";
  /** Words of the start-up line, followed by the reason, when they are not. */
  static final String PER_CONNECTION = "closed connections released one system call each: ";

  private ReleaseSetup() {}

  /** Loads and proves {@code nd_release} for {@code maps}; returns the phrase for the start-up line. */
  static String setUp(DropProgram program, SocketMaps maps) {
    try {
      KernelRelease release =
          KernelRelease.map(program.map("releasing"), program.loadReleaseProgram());
      maps.useKernelRelease(release);
      return IN_KERNEL;
    } catch (RuntimeException e) {
      return PER_CONNECTION + firstLine(e);
    }
  }

  /** The first line only: a verifier log would swamp the start-up line. */
  private static String firstLine(RuntimeException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
  }
}
