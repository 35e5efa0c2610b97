package io.netdrop.agent.internal;

import io.netdrop.bpf.BpfLink;
import io.netdrop.drops.DropProgram;
import io.netdrop.drops.DropTotals;
import io.netdrop.kernel.CgroupV2;
import io.netdrop.sockets.CreationSlots;
import io.netdrop.sockets.SocketMaps;
import io.netdrop.sockets.internal.Getpeername;
import java.nio.file.Path;
import java.util.List;

/**
 * Sets up socket registration inside the kernel's own socket calls (docs/design.md, "Registering a
 * socket inside socket()") where {@link HookPlacement} puts the cgroup programs and the kernel
 * accepts them, proved with a round trip of test sockets. Otherwise the agent registers each socket
 * from Java, and says why in its start-up line.
 */
final class SocketHooks {
  /**
   * What was set up: {@code slots} is null when sockets are registered from Java; {@code
   * description} is the phrase for the start-up line (and the doctor); {@code perPacket} says the
   * per-packet connect tracker stayed attached (no {@code nd_sock_ops}).
   */
  record Outcome(CreationSlots slots, String description, boolean perPacket) {}

  private SocketHooks() {}

  /** Words of the start-up line for sockets that the kernel does not register. */
  static final String FROM_JAVA = "sockets registered from Java: ";
  /**
   * What registering from Java costs and changes, for the doctor (docs/performance.md, "The host's
   * share"): the system calls the kernel hooks save.
   */
  static final String FROM_JAVA_COSTS =
      "each socket open, bind and accept costs its thread 2 to 5 system calls more and a bound port"
          + " is registered right after bind() returns";
  /** For the doctor: what the per-packet connect tracker, when it stays, costs the host. */
  static final String PER_PACKET_COSTS =
      ", and connects are learned by a program that runs for every packet the host sends";
  /** What the fallback keeps in the kernel: the connect tracker on every sent packet. */
  static final String PER_PACKET = ", connects learned per packet";
  /** The connect hook alone on the host's root cgroup. */
  static final String CONNECT_HOOK_ONLY =
      ", connects learned in tcp_connect() (nd_sock_ops alone on the root cgroup: it decides nothing)";

  /** Phrase for accepted sockets registered in getpeername() called through JNA, not the JDK. */
  static final String GETPEERNAME_BY_JNA = " (called through JNA)";

  /**
   * As {@link #setUp(DropProgram, SocketMaps, long, HookPlacement, Getpeername)} with JNA's call,
   * unsaid in the description: for the doctor, which has no Instrumentation to reach the JDK's.
   */
  static Outcome setUp(DropProgram program, SocketMaps maps, long netns, HookPlacement placement) {
    return setUp(program, maps, netns, placement, null);
  }

  /**
   * {@code getpeername}: how accepted sockets are described (the JDK's call where it could be
   * had); the description says so when it is JNA's. Null: JNA's, unsaid.
   */
  static Outcome setUp(
      DropProgram program, SocketMaps maps, long netns, HookPlacement placement, Getpeername getpeername) {
    if (placement.cgroup() == null) {
      return new Outcome(null, FROM_JAVA + placement.reason() + PER_PACKET, true);
    }
    if (placement.connectHookOnly()) {
      return connectHookOnly(program, maps, netns, placement);
    }
    Path cgroup = placement.cgroup();
    List<BpfLink> links = List.of();
    CreationSlots slots;
    try {
      links = program.attachSocketHooks(cgroup);
      slots = CreationSlots.map(program.map("creating"));
      slots.verify(maps, netns);
    } catch (RuntimeException e) {
      links.forEach(BpfLink::close);
      return new Outcome(null, FROM_JAVA + firstLine(e) + PER_PACKET, true);
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
      acceptLinks = program.attachAcceptHooks(cgroup);
      slots.useGetpeername(getpeername == null ? Getpeername.jna() : getpeername);
      slots.verifyAccepting(maps, netns);
      how += ", accepts registered in getpeername()";
      if (getpeername != null && !slots.getpeername().jdk()) {
        how += GETPEERNAME_BY_JNA;
      }
    } catch (RuntimeException e) {
      // The agent registers accepted sockets itself (fstat, getsockname/getpeername, map writes).
      acceptLinks.forEach(BpfLink::close);
      how += ", accepts registered by the agent: " + firstLine(e);
    }
    if (CgroupV2.isHierarchyRoot(cgroup)) {
      how += ", by cgroup programs on the host's root cgroup that every process of the host runs"
          + " (netdrop.cgroup-hooks=on)";
    }
    return new Outcome(slots, how, how.contains(PER_PACKET));
  }

  /** Sockets from Java, connects from nd_sock_ops alone; the per-packet tracker if that fails. */
  private static Outcome connectHookOnly(
      DropProgram program, SocketMaps maps, long netns, HookPlacement placement) {
    List<BpfLink> links = List.of();
    try {
      links = program.attachConnectHook(placement.cgroup());
      CreationSlots.verifyConnectHookAlone(
          maps, netns, () -> program.map("stats").sumPerCpuLong(DropTotals.TUPLES_AT_CONNECT));
      program.detachPacketConnectTracker();
      return new Outcome(null, FROM_JAVA + placement.reason() + CONNECT_HOOK_ONLY, false);
    } catch (RuntimeException e) {
      links.forEach(BpfLink::close);
      return new Outcome(null, FROM_JAVA + placement.reason() + PER_PACKET + ": " + firstLine(e), true);
    }
  }

  /** The first line only: a verifier log would swamp the start-up line. */
  private static String firstLine(RuntimeException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
  }
}
