package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {

  private static String status(String capEff) {
    return "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nCapInh:\t0000000000000000\n"
        + "CapPrm:\t" + capEff + "\nCapEff:\t" + capEff + "\nCapBnd:\t000001ffffffffff\n"
        + "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\n";
  }

  @Test
  void rootWithFullCapabilitiesCanLoadTracing() {
    Capabilities caps = Capabilities.parse(status("000001ffffffffff"));
    assertTrue(caps.has(Capabilities.CAP_SYS_ADMIN));
    assertTrue(caps.has(Capabilities.CAP_NET_ADMIN));
    assertTrue(caps.has(Capabilities.CAP_BPF));
    assertTrue(caps.has(Capabilities.CAP_PERFMON));
    assertTrue(caps.canLoadTracing());
    assertEquals("", caps.missingForTracing());
  }

  @Test
  void bpfAndPerfmonWithoutSysAdminCanLoadTracing() {
    long mask = (1L << Capabilities.CAP_BPF) | (1L << Capabilities.CAP_PERFMON);
    Capabilities caps = Capabilities.parse(status(String.format("%016x", mask)));
    assertFalse(caps.has(Capabilities.CAP_SYS_ADMIN));
    assertTrue(caps.canLoadTracing());
    assertEquals("", caps.missingForTracing());
  }

  @Test
  void bpfAloneNamesPerfmonAsMissing() {
    Capabilities caps = Capabilities.parse(status(String.format("%016x", 1L << Capabilities.CAP_BPF)));
    assertFalse(caps.canLoadTracing());
    assertEquals("CAP_PERFMON (or CAP_SYS_ADMIN)", caps.missingForTracing());
  }

  @Test
  void noCapabilitiesNamesEverythingMissing() {
    Capabilities caps = Capabilities.parse(status("0000000000000000"));
    for (int cap = 0; cap < 64; cap++) {
      assertFalse(caps.has(cap), "capability " + cap);
    }
    assertFalse(caps.canLoadTracing());
    assertEquals("CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN)", caps.missingForTracing());
  }

  @Test
  void rejectsStatusWithoutOrWithGarbageCapEff() {
    KernelFormatException missing =
        assertThrows(KernelFormatException.class, () -> Capabilities.parse("Name:\tjava\n"));
    assertTrue(missing.getMessage().contains("CapEff"), missing.getMessage());
    KernelFormatException garbage =
        assertThrows(KernelFormatException.class, () -> Capabilities.parse(status("zz01")));
    assertTrue(garbage.getMessage().contains("'zz01'"), garbage.getMessage());
    assertThrows(KernelFormatException.class, () -> Capabilities.parse(status("1" + "0".repeat(16))));
  }

  @Test
  void rejectsCapabilityNumberOutOfRange() {
    Capabilities caps = Capabilities.parse(status("0000000000000000"));
    assertThrows(IllegalArgumentException.class, () -> caps.has(64));
    assertThrows(IllegalArgumentException.class, () -> caps.has(-1));
  }

  @Test
  void readsThisProcess() {
    // CI runs as root, which holds CAP_SYS_ADMIN.
    Capabilities caps = Capabilities.ofCurrentProcess();
    assertEquals(caps.has(Capabilities.CAP_SYS_ADMIN) || caps.has(Capabilities.CAP_BPF) && caps.has(Capabilities.CAP_PERFMON), caps.canLoadTracing());
    assertTrue(caps.canLoadTracing(), "tests are expected to run as root: " + caps);
  }
}
