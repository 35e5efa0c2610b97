package io.netdrop.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.sys.BpfConstants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Needs root, the skb:kfree_skb tracepoint, tracefs (mounted here if missing) for the classic
 * attach, and vmlinux BTF (/sys/kernel/btf/vmlinux) for tp_btf. Drops are caused by UDP to a
 * closed loopback port; run counts come from bpf_stats.
 */
class BpfLinkIT {
  private static final int BTF_KIND_TYPEDEF = 8;
  private static final String LICENSE = "Dual BSD/GPL";

  @BeforeAll
  static void tracefs() {
    KernelSetup.ensureTracefs();
  }

  @Test
  void classicTracepointProgramRunsOnDropsUntilDetached() throws Exception {
    try (AutoCloseable stats = KernelSetup.enableBpfStats();
        BpfProgram prog = BpfProgram.load("tp_kfree_skb", BpfConstants.PROG_TYPE_TRACEPOINT, 0,
            Asm.returning(0), LICENSE, 0)) {
      BpfLink link = BpfLink.attachTracepoint(prog, "skb", "kfree_skb");
      assertTrue(link.description().contains("skb/kfree_skb"), link.description());
      KernelSetup.causeUdpDrops(50);
      long attachedRuns = prog.stats().runCount();
      assertTrue(attachedRuns >= 50, "program ran " + attachedRuns + " times for 50 drops");

      link.close();
      link.close();
      assertTrue(link.isClosed());
      KernelSetup.causeUdpDrops(50);
      assertEquals(attachedRuns, prog.stats().runCount(), "detached program must not run");
    }
  }

  @Test
  void linkKeepsTpBtfProgramRunningAfterProgramDescriptorIsClosed() throws Exception {
    int btfId = KernelSetup.vmlinuxBtfId(BTF_KIND_TYPEDEF, "btf_trace_kfree_skb");
    try (BpfMap counter = BpfMap.create("drops", BpfConstants.MAP_TYPE_ARRAY, 4, 8, 1, 0)) {
      // counter[0] += 1 (not atomic: concurrent CPUs may lose increments, we only need > 0)
      byte[] countDrops = new Asm()
          .movImm(Asm.R1, 0)
          .stxW(Asm.R10, -4, Asm.R1)
          .movReg(Asm.R2, Asm.R10)
          .addImm(Asm.R2, -4)
          .ldMapFd(Asm.R1, counter.fd())
          .call(BpfConstants.FUNC_MAP_LOOKUP_ELEM)
          .jeqImm(Asm.R0, 0, 3)
          .ldxDw(Asm.R1, Asm.R0, 0)
          .addImm(Asm.R1, 1)
          .stxDw(Asm.R0, 0, Asm.R1)
          .movImm(Asm.R0, 0)
          .exit()
          .bytes();
      BpfProgram prog = BpfProgram.load("tpbtf_count", BpfConstants.PROG_TYPE_TRACING,
          BpfConstants.ATTACH_TYPE_TRACE_RAW_TP, countDrops, LICENSE, btfId);
      try (BpfLink link = BpfLink.attachTracing(prog)) {
        prog.close();
        assertThrows(BpfException.class, prog::stats);
        KernelSetup.causeUdpDrops(50);
        byte[] value = new byte[8];
        assertTrue(counter.lookup(new byte[4], value));
        long drops = java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).getLong();
        assertTrue(drops > 0, "counted " + drops + " drops");
      }
    }
  }

  @Test
  void tpBtfRunCountGrowsWithDrops() throws Exception {
    int btfId = KernelSetup.vmlinuxBtfId(BTF_KIND_TYPEDEF, "btf_trace_kfree_skb");
    try (AutoCloseable stats = KernelSetup.enableBpfStats();
        BpfProgram prog = BpfProgram.load("tpbtf_kfree_skb", BpfConstants.PROG_TYPE_TRACING,
            BpfConstants.ATTACH_TYPE_TRACE_RAW_TP, Asm.returning(0), LICENSE, btfId)) {
      try (BpfLink link = BpfLink.attachTracing(prog)) {
        KernelSetup.causeUdpDrops(50);
        assertTrue(prog.stats().runCount() >= 50, "ran " + prog.stats().runCount() + " times");
      }
      long detachedRuns = prog.stats().runCount();
      KernelSetup.causeUdpDrops(20);
      assertEquals(detachedRuns, prog.stats().runCount());
    }
  }

  @Test
  void legacyPerfEventAttachRunsOnDropsUntilDetached() throws Exception {
    try (AutoCloseable stats = KernelSetup.enableBpfStats();
        BpfProgram prog = BpfProgram.load("tp_legacy", BpfConstants.PROG_TYPE_TRACEPOINT, 0,
            Asm.returning(0), LICENSE, 0)) {
      try (BpfLink link = BpfLink.attachTracepoint(prog, "skb", "kfree_skb", false)) {
        KernelSetup.causeUdpDrops(50);
        assertTrue(prog.stats().runCount() >= 50, "ran " + prog.stats().runCount() + " times");
      }
      long detachedRuns = prog.stats().runCount();
      KernelSetup.causeUdpDrops(20);
      assertEquals(detachedRuns, prog.stats().runCount());
    }
  }

  @Test
  void rawTracepointOpenFallbackAttachesTpBtf() throws Exception {
    int btfId = KernelSetup.vmlinuxBtfId(BTF_KIND_TYPEDEF, "btf_trace_kfree_skb");
    try (AutoCloseable stats = KernelSetup.enableBpfStats();
        BpfProgram prog = BpfProgram.load("tpbtf_raw", BpfConstants.PROG_TYPE_TRACING,
            BpfConstants.ATTACH_TYPE_TRACE_RAW_TP, Asm.returning(0), LICENSE, btfId)) {
      try (BpfLink link = BpfLink.attachTracingWithRawTracepointOpen(prog)) {
        KernelSetup.causeUdpDrops(50);
        assertTrue(prog.stats().runCount() >= 50, "ran " + prog.stats().runCount() + " times");
      }
      long detachedRuns = prog.stats().runCount();
      KernelSetup.causeUdpDrops(20);
      assertEquals(detachedRuns, prog.stats().runCount());
    }
  }

  @Test
  void attachingAClosedProgramFailsClearly() {
    BpfProgram prog = BpfProgram.load("tp_closed", BpfConstants.PROG_TYPE_TRACEPOINT, 0,
        Asm.returning(0), LICENSE, 0);
    prog.close();
    BpfException e = assertThrows(BpfException.class,
        () -> BpfLink.attachTracepoint(prog, "skb", "kfree_skb"));
    assertEquals("program 'tp_closed' is closed", e.getMessage());
  }

  @Test
  void unknownTracepointIsAClearError() {
    try (BpfProgram prog = BpfProgram.load("tp_none", BpfConstants.PROG_TYPE_TRACEPOINT, 0,
        Asm.returning(0), LICENSE, 0)) {
      BpfException missing = assertThrows(BpfException.class,
          () -> BpfLink.attachTracepoint(prog, "skb", "no_such_event"));
      assertTrue(missing.getMessage().contains("skb/no_such_event not found"), missing.getMessage());
      BpfException traversal = assertThrows(BpfException.class,
          () -> BpfLink.attachTracepoint(prog, "..", "kfree_skb"));
      assertTrue(traversal.getMessage().contains("invalid tracepoint name"), traversal.getMessage());
    }
  }
}
