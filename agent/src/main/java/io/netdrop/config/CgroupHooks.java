package io.netdrop.config;

import java.util.Locale;

/**
 * Where netdrop may attach its cgroup programs (socket registration inside the kernel's socket
 * calls): the value of the {@code cgroup-hooks} setting. The programs run for every process of the
 * cgroup they are attached to, which for a JVM in the host's root cgroup is every process of the
 * host (docs/design.md, "Where the cgroup programs go").
 */
public enum CgroupHooks {
  /** On the JVM's cgroup; on the host's root cgroup only the connect hook, which refuses nothing. */
  AUTO,
  /** On the JVM's cgroup, the root cgroup included. */
  ON,
  /** Never: sockets are registered from Java. */
  OFF;

  /** Returns the spelling used in settings, e.g. {@code auto}. */
  public String settingValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
