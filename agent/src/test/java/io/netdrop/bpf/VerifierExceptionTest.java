package io.netdrop.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VerifierExceptionTest {
  @Test
  void messageNamesProgramAndKeepsOnlyTheLogTail() {
    StringBuilder log = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      log.append("line ").append(i).append('\n');
    }
    log.append("R2 !read_ok\n");
    VerifierException e = new VerifierException("drops", 13, log.toString());

    assertTrue(e.getMessage().startsWith("bpf(BPF_PROG_LOAD) for program 'drops' failed: EACCES"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("R2 !read_ok"), e.getMessage());
    assertFalse(e.getMessage().contains("line 5\n"), "head of the log should be cut");
    assertEquals(log.toString(), e.log());
    assertEquals(13, e.errno());
    assertEquals("BPF_PROG_LOAD", e.command());
  }
}
