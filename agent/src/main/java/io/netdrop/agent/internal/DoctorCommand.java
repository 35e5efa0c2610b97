package io.netdrop.agent.internal;

import io.netdrop.config.NetdropConfig;
import io.netdrop.drops.DropProgram;
import io.netdrop.sockets.ProcSockets;
import io.netdrop.sockets.SocketMaps;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code netdrop doctor}: checks, one line each, whether this machine can run netdrop, and
 * finally loads and attaches the real program once to prove it.
 */
public final class DoctorCommand {
  private DoctorCommand() {}

  /** Writes the report to {@code out}; returns 0 when everything netdrop needs is present, else 1. */
  public static int run(PrintStream out) {
    NetdropConfig config = NetdropConfig.load(null);
    HostChecks checks = new HostChecks(config.btfPath());
    List<HostCheck> results = new ArrayList<>();
    config.problems().forEach(p -> results.add(HostCheck.warn("settings", p)));
    results.addAll(checks.run(true));
    results.add(HostChecks.tracefs());
    boolean failed = results.stream().anyMatch(HostCheck::failed);
    if (!failed) {
      results.add(attach(checks, config));
      failed = results.get(results.size() - 1).failed();
    }
    if (!failed) {
      results.add(socketHooks(checks, config));
      results.add(release(checks, config));
    }
    for (HostCheck c : results) {
      out.printf("%-5s %-21s %s%n", label(c), c.name(), c.detail());
    }
    out.println(failed ? "netdrop cannot run here: see FAIL above" : "netdrop can run here");
    return failed ? 1 : 0;
  }

  private static HostCheck attach(HostChecks checks, NetdropConfig config) {
    DropProgram.Settings settings = DropProgram.Settings.of(config);
    try (DropProgram program =
        DropProgram.load(checks.btf(), settings, ProcSockets.pidNamespace())) {
      return HostCheck.ok("load and attach", program.attachDescription() + " verified and attached");
    } catch (RuntimeException e) {
      return HostCheck.fail("load and attach", e.getMessage());
    }
  }

  /**
   * Whether sockets are registered inside the kernel's socket calls here, and if not, why and what
   * that costs; a warning only where something is missing: the agent registers them from Java.
   */
  private static HostCheck socketHooks(HostChecks checks, NetdropConfig config) {
    DropProgram.Settings settings = DropProgram.Settings.of(config);
    HookPlacement placement = HookPlacement.of(config);
    try (DropProgram program =
        DropProgram.load(checks.btf(), settings, ProcSockets.pidNamespace())) {
      SocketMaps maps =
          new SocketMaps(
              program.map("sockets"), program.map("ports"), program.map("tuples"), program.map("port_hint"));
      SocketHooks.Outcome o = SocketHooks.setUp(program, maps, ProcSockets.netnsInode(), placement);
      if (o.slots() != null) {
        return HostCheck.ok("socket registration", o.description());
      }
      String detail =
          o.description() + "; " + SocketHooks.FROM_JAVA_COSTS
              + (o.perPacket() ? SocketHooks.PER_PACKET_COSTS : "");
      return placement.chosen()
          ? HostCheck.ok("socket registration", detail)
          : HostCheck.warn("socket registration", detail);
    } catch (RuntimeException e) {
      return HostCheck.warn("socket registration", "not tried: " + e.getMessage());
    }
  }

  /**
   * Whether closed connections' kernel entries are released in batches here (nd_release); a warning
   * if not: each then costs a system call on the registry thread, in the application's CPU time.
   */
  private static HostCheck release(HostChecks checks, NetdropConfig config) {
    DropProgram.Settings settings = DropProgram.Settings.of(config);
    try (DropProgram program =
        DropProgram.load(checks.btf(), settings, ProcSockets.pidNamespace())) {
      SocketMaps maps =
          new SocketMaps(
              program.map("sockets"), program.map("ports"), program.map("tuples"), program.map("port_hint"));
      String how = ReleaseSetup.setUp(program, maps);
      return maps.releasesInKernel()
          ? HostCheck.ok("connection release", how)
          : HostCheck.warn(
              "connection release",
              how + "; each closed connection then costs one or two system calls on the agent's"
                  + " registry thread when its grace period ends");
    } catch (RuntimeException e) {
      return HostCheck.warn("connection release", "not tried: " + e.getMessage());
    }
  }

  private static String label(HostCheck c) {
    switch (c.status()) {
      case OK:
        return "ok";
      case WARN:
        return "warn";
      default:
        return "FAIL";
    }
  }
}
