package io.netdrop.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.sys.BpfConstants;
import org.junit.jupiter.api.Test;

/** Needs root (CAP_BPF), BPF_PROG_TEST_RUN for socket filters (4.12+) and bpf_stats (5.1+). */
class BpfProgramIT {
  private static final byte[] PACKET = new byte[64];
  private static final String LICENSE = "Dual BSD/GPL";

  @Test
  void loadsHandAssembledProgramAndReturnsItsValue() {
    try (BpfProgram prog = BpfProgram.load("ret7", BpfConstants.PROG_TYPE_SOCKET_FILTER, 0,
        Asm.returning(7), LICENSE, 0)) {
      assertTrue(prog.fd() > 0);
      assertEquals(7, prog.testRun(PACKET, 1));
    }
  }

  @Test
  void rejectedProgramCarriesVerifierComplaint() {
    byte[] readsUninitialized = new Asm().movReg(Asm.R0, Asm.R2).exit().bytes();
    VerifierException e = assertThrows(VerifierException.class, () -> BpfProgram.load(
        "uninit_r2", BpfConstants.PROG_TYPE_SOCKET_FILTER, 0, readsUninitialized, LICENSE, 0));
    assertTrue(e.log().contains("R2 !read_ok"), e.log());
    assertTrue(e.getMessage().contains("program 'uninit_r2'"), e.getMessage());
    assertTrue(e.getMessage().contains("R2 !read_ok"), e.getMessage());
  }

  @Test
  void rejectsMalformedInstructionBytesBeforeTheSyscall() {
    BpfException e = assertThrows(BpfException.class, () -> BpfProgram.load(
        "odd", BpfConstants.PROG_TYPE_SOCKET_FILTER, 0, new byte[12], LICENSE, 0));
    assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
    assertThrows(BpfException.class, () -> BpfProgram.load(
        "nolicense", BpfConstants.PROG_TYPE_SOCKET_FILTER, 0, Asm.returning(0), "", 0));
  }

  @Test
  void statsCountRunsWhileBpfStatsAreEnabled() throws Exception {
    try (BpfProgram prog = BpfProgram.load("counted", BpfConstants.PROG_TYPE_SOCKET_FILTER, 0,
            Asm.returning(0), LICENSE, 0);
        AutoCloseable stats = KernelSetup.enableBpfStats()) {
      BpfProgram.ProgramStats before = prog.stats();
      prog.testRun(PACKET, 100);
      BpfProgram.ProgramStats after = prog.stats();
      assertTrue(after.runCount() - before.runCount() >= 100,
          "run count grew by " + (after.runCount() - before.runCount()));
      assertTrue(after.runTimeNs() > before.runTimeNs());
    }
  }

  @Test
  void closeIsIdempotentAndLaterUseFailsClearly() {
    BpfProgram prog = BpfProgram.load("closing", BpfConstants.PROG_TYPE_SOCKET_FILTER, 0,
        Asm.returning(0), LICENSE, 0);
    prog.close();
    prog.close();
    BpfException e = assertThrows(BpfException.class, () -> prog.testRun(PACKET, 1));
    assertEquals("program 'closing' is closed", e.getMessage());
    assertThrows(BpfException.class, prog::stats);
  }
}
