package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CgroupV2Test {
  private static final String HYBRID_MOUNT =
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";
  private static final String V1_MOUNT =
      "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu";

  @Test
  void hybridHostWithTheProcessInTheRootCgroup() {
    assertEquals(
        Optional.of(Path.of("/sys/fs/cgroup/unified")),
        CgroupV2.directory(List.of("4:memory:/x", "0::/"), List.of(V1_MOUNT, HYBRID_MOUNT)));
  }

  @Test
  void unifiedHostWithTheProcessInASystemdService() {
    assertEquals(
        Optional.of(Path.of("/sys/fs/cgroup/system.slice/orders.service")),
        CgroupV2.directory(
            List.of("0::/system.slice/orders.service"),
            List.of("25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate")));
  }

  @Test
  void containerWhoseMountRootIsItsOwnCgroup() {
    // Without a cgroup namespace, /proc/self/cgroup shows the host path and the container mounts
    // only its own subtree.
    assertEquals(
        Optional.of(Path.of("/sys/fs/cgroup/app")),
        CgroupV2.directory(
            List.of("0::/kubepods/pod1/c1/app"),
            List.of("700 650 0:30 /kubepods/pod1/c1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw")));
  }

  @Test
  void mountPointsWithEscapedSpaces() {
    assertEquals(
        Optional.of(Path.of("/mnt/my cgroup")),
        CgroupV2.directory(
            List.of("0::/"), List.of("40 30 0:37 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw")));
  }

  @Test
  void noneOnAV1OnlyHostOrWithoutAMatchingMount() {
    assertTrue(CgroupV2.directory(List.of("4:memory:/x"), List.of(V1_MOUNT)).isEmpty());
    assertTrue(CgroupV2.directory(List.of("0::/"), List.of(V1_MOUNT)).isEmpty());
    assertTrue(
        CgroupV2.directory(
                List.of("0::/other"),
                List.of("700 650 0:30 /kubepods/pod1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw"))
            .isEmpty());
    assertTrue(CgroupV2.directory(List.of("garbage", "0::"), List.of("also garbage")).isEmpty());
  }

  @Test
  void thisMachineHasOne() {
    // The agent's kernel-side socket registration needs it; CI runs on this machine kind.
    assertTrue(CgroupV2.ownDirectory().isPresent());
  }

  @Test
  void aCgroupWithAnEventsFileIsNotTheRootOfItsHierarchy(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    assertTrue(CgroupV2.isHierarchyRoot(dir));
    java.nio.file.Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
    org.junit.jupiter.api.Assertions.assertFalse(CgroupV2.isHierarchyRoot(dir));
    org.junit.jupiter.api.Assertions.assertFalse(CgroupV2.isHierarchyRoot(dir.resolve("missing")));
  }
}
