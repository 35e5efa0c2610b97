package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KernelVersionTest {

  @Test
  void parsesReleaseWithDistributionSuffix() {
    assertEquals(new KernelVersion(6, 18, 44), KernelVersion.parse("6.18.44-fc-v782"));
    assertEquals(new KernelVersion(5, 15, 0), KernelVersion.parse("5.15.0-91-generic"));
    assertEquals(new KernelVersion(6, 1, 0), KernelVersion.parse("6.1.0-rc7"));
    assertEquals(new KernelVersion(6, 8, 0), KernelVersion.parse("6.8\n"));
    assertEquals(new KernelVersion(4, 18, 0), KernelVersion.parse("4.18.0-513.el8.x86_64"));
  }

  @Test
  void rejectsGarbageNamingTheInput() {
    for (String bad : new String[] {"", "linux", "6", "6.", "v6.1.0", "6.x.1", "99999999999.1"}) {
      KernelFormatException e = assertThrows(KernelFormatException.class, () -> KernelVersion.parse(bad));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
    assertThrows(KernelFormatException.class, () -> KernelVersion.parse(null));
  }

  @Test
  void ordersByMajorMinorPatch() {
    KernelVersion v515 = KernelVersion.parse("5.15.0-91-generic");
    KernelVersion v5158 = KernelVersion.parse("5.15.58");
    KernelVersion v61 = KernelVersion.parse("6.1.0-rc7");
    KernelVersion v618 = KernelVersion.parse("6.18.44-fc-v782");
    assertTrue(v515.compareTo(v5158) < 0);
    assertTrue(v5158.compareTo(v61) < 0);
    assertTrue(v61.compareTo(v618) < 0);
    assertEquals(0, v618.compareTo(new KernelVersion(6, 18, 44)));
    assertTrue(v618.atLeast(6, 11));
    assertTrue(v618.atLeast(5, 17));
    assertTrue(v618.atLeast(6, 18));
    assertFalse(v618.atLeast(6, 19));
    assertFalse(v618.atLeast(7, 0));
    assertFalse(v515.atLeast(5, 17));
  }

  @Test
  void readsTheRunningKernel() throws Exception {
    String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    KernelVersion running = KernelVersion.running();
    assertTrue(release.startsWith(running.major() + "." + running.minor()), release + " vs " + running);
  }
}
