package io.netdrop.agent.internal;

import io.netdrop.bpf.BpfLink;
import io.netdrop.drops.DropProgram;
import io.netdrop.drops.DropTotals;
import io.netdrop.kernel.CgroupV2;
import io.netdrop.sockets.CreationSlots;
import io.netdrop.sockets.SocketMaps;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Sets up socket registration inside the kernel's own socket calls (docs/design.md, "Registering a
 * socket inside socket()") where this host allows it: a cgroup v2 hierarchy, cgroup socket
 * programs, and a round trip proved with test sockets. Otherwise the agent registers each socket
 * itself, and says why in its start-up line.
 */
final class SocketHooks {
  /**
   * What was set up: {@code slots} is null when sockets are registered by the agent; {@code
   * description} is the phrase for the start-up line (and the doctor).
   */
  record Outcome(CreationSlots slots, String description) {}

  private SocketHooks() {}

  static Outcome setUp(DropProgram program, SocketMaps maps, long netns) {
    Optional<Path> cgroup = CgroupV2.ownDirectory();
    if (cgroup.isEmpty()) {
      return new Outcome(null, "sockets registered by the agent: no cgroup v2 hierarchy");
    }
    List<BpfLink> links = List.of();
    CreationSlots slots;
    try {
      links = program.attachSocketHooks(cgroup.get());
      slots = CreationSlots.map(program.map("creating"));
      slots.verify(maps, netns);
    } catch (RuntimeException e) {
      links.forEach(BpfLink::close);
      return new Outcome(null, "sockets registered by the agent: " + firstLine(e));
    }
    String how = "sockets registered in the kernel at creation";
    try {
      slots.verifyConnectTracking(
          maps, netns, () -> program.map("stats").sumPerCpuLong(DropTotals.TUPLES_AT_CONNECT));
      program.detachPacketConnectTracker();
      how += ", connects learned in tcp_connect()";
    } catch (RuntimeException e) {
      // nd_net_dev_queue keeps learning them, at a cost on every packet the host sends.
      how += ", connects learned per packet: " + firstLine(e);
    }
    List<BpfLink> acceptLinks = List.of();
    try {
      acceptLinks = program.attachAcceptHooks(cgroup.get());
      slots.verifyAccepting(maps, netns);
      how += ", accepts registered in getpeername()";
    } catch (RuntimeException e) {
      // The agent registers accepted sockets itself (fstat, getsockname/getpeername, map writes).
      acceptLinks.forEach(BpfLink::close);
      how += ", accepts registered by the agent: " + firstLine(e);
    }
    return new Outcome(slots, how);
  }

  /** The first line only: a verifier log would swamp the start-up line. */
  private static String firstLine(RuntimeException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
  }
}
