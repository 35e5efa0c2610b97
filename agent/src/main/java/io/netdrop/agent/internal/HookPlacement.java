package io.netdrop.agent.internal;

import io.netdrop.config.CgroupHooks;
import io.netdrop.config.NetdropConfig;
import io.netdrop.kernel.Capabilities;
import io.netdrop.kernel.CgroupV2;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the cgroup programs that register sockets go, or in words why nowhere: decided from the
 * {@code cgroup-hooks} setting, the JVM's cgroup and its privileges, before anything is loaded.
 * In the host's root cgroup the programs would run inside every process's socket calls, so {@code
 * auto} puts only the connect hook there, which decides nothing (docs/design.md, "Where the cgroup
 * programs go").
 *
 * @param cgroup the cgroup v2 directory to attach to, or null
 * @param connectHookOnly only {@code nd_sock_ops} goes to {@code cgroup}; sockets are registered
 *     from Java
 * @param reason why sockets are registered from Java, for the start-up line and the doctor (null
 *     when every program goes to {@code cgroup})
 */
record HookPlacement(Path cgroup, boolean connectHookOnly, String reason) {
  /** The phrase of the start-up line and the doctor for a JVM in the host's root cgroup. */
  static final String ROOT_CGROUP =
      "the JVM is in the host's root cgroup, where kernel hooks would run for every process of the"
          + " host; set netdrop.cgroup-hooks=on to use them";
  /** The phrase for a JVM without CAP_NET_ADMIN. */
  static final String NO_NET_ADMIN =
      "no CAP_NET_ADMIN, without which the kernel refuses cgroup programs";

  /** The phrase for {@code netdrop.cgroup-hooks=off}. */
  static final String OFF = "netdrop.cgroup-hooks=off";

  /** The placement for this JVM. */
  static HookPlacement of(NetdropConfig config) {
    Optional<Path> cgroup = CgroupV2.ownDirectory();
    boolean netAdmin;
    try {
      netAdmin = Capabilities.ofCurrentProcess().canAttachCgroupPrograms();
    } catch (RuntimeException e) {
      netAdmin = true; // unreadable: the kernel decides, and a refusal is reported as it comes
    }
    return decide(
        config.cgroupHooks(), cgroup, cgroup.map(CgroupV2::isHierarchyRoot).orElse(false), netAdmin);
  }

  /** Whether programs stay out by the setting's choice rather than for want of something. */
  boolean chosen() {
    return reason != null && (reason.equals(ROOT_CGROUP) || reason.equals(OFF));
  }

  static HookPlacement decide(
      CgroupHooks setting, Optional<Path> cgroup, boolean hierarchyRoot, boolean netAdmin) {
    if (setting == CgroupHooks.OFF) {
      return new HookPlacement(null, false, OFF);
    }
    if (cgroup.isEmpty()) {
      return new HookPlacement(null, false, "no cgroup v2 hierarchy");
    }
    if (!netAdmin) {
      return new HookPlacement(null, false, NO_NET_ADMIN);
    }
    if (hierarchyRoot && setting == CgroupHooks.AUTO) {
      return new HookPlacement(cgroup.get(), true, ROOT_CGROUP);
    }
    return new HookPlacement(cgroup.get(), false, null);
  }
}
