package io.netdrop.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.config.CgroupHooks;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HookPlacementTest {
  private static final Optional<Path> SERVICE = Optional.of(Path.of("/sys/fs/cgroup/system.slice/orders.service"));
  private static final Optional<Path> ROOT = Optional.of(Path.of("/sys/fs/cgroup"));

  @Test
  void attachesToTheJvmsOwnCgroupByDefault() {
    HookPlacement p = HookPlacement.decide(CgroupHooks.AUTO, SERVICE, false, true);
    assertEquals(SERVICE.get(), p.cgroup());
    assertFalse(p.connectHookOnly());
    assertNull(p.reason());
  }

  @Test
  void putsOnlyTheConnectHookOnTheHostsRootCgroupByDefaultAndSaysWhyInWords() {
    HookPlacement p = HookPlacement.decide(CgroupHooks.AUTO, ROOT, true, true);
    assertEquals(ROOT.get(), p.cgroup());
    assertTrue(p.connectHookOnly());
    assertEquals(
        "the JVM is in the host's root cgroup, where kernel hooks would run for every process of the"
            + " host; set netdrop.cgroup-hooks=on to use them",
        p.reason());
    assertTrue(p.chosen());
  }

  @Test
  void attachesEveryProgramToTheRootCgroupWhenTheOperatorSaysSo() {
    HookPlacement p = HookPlacement.decide(CgroupHooks.ON, ROOT, true, true);
    assertEquals(ROOT.get(), p.cgroup());
    assertFalse(p.connectHookOnly());
    assertNull(p.reason());
  }

  @Test
  void attachesNowhereWhenOff() {
    HookPlacement p = HookPlacement.decide(CgroupHooks.OFF, SERVICE, false, true);
    assertNull(p.cgroup());
    assertEquals("netdrop.cgroup-hooks=off", p.reason());
    assertTrue(p.chosen());
  }

  @Test
  void namesTheMissingCapNetAdminEvenWhenAskedToAttach() {
    HookPlacement p = HookPlacement.decide(CgroupHooks.ON, SERVICE, false, false);
    assertNull(p.cgroup());
    assertEquals("no CAP_NET_ADMIN, without which the kernel refuses cgroup programs", p.reason());
    assertFalse(p.chosen());
  }

  @Test
  void namesAMissingCgroupV2Hierarchy() {
    HookPlacement p = HookPlacement.decide(CgroupHooks.AUTO, Optional.empty(), false, true);
    assertEquals("no cgroup v2 hierarchy", p.reason());
    assertFalse(p.chosen());
  }
}
