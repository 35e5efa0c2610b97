package io.netdrop.bpf.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.BpfException;
import org.junit.jupiter.api.Test;

class ArchTest {
  @Test
  void usesX86SyscallNumbersForAmd64() {
    Arch arch = Arch.forName("amd64");
    assertEquals(321, arch.bpfSyscall());
    assertEquals(298, arch.perfEventOpenSyscall());
    assertEquals(12, arch.epollEventSize());
    assertEquals(0200000, arch.openDirectoryFlag());
  }

  @Test
  void usesGenericSyscallNumbersForAarch64() {
    Arch arch = Arch.forName("aarch64");
    assertEquals(280, arch.bpfSyscall());
    assertEquals(241, arch.perfEventOpenSyscall());
    assertEquals(16, arch.epollEventSize());
    assertEquals(040000, arch.openDirectoryFlag(), "asm-generic O_DIRECTORY, not x86's");
  }

  @Test
  void rejectsUnsupportedArchitectureByName() {
    BpfException e = assertThrows(BpfException.class, () -> Arch.forName("s390x"));
    assertTrue(e.getMessage().contains("'s390x'"), e.getMessage());
  }
}
