package io.netdrop.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PossibleCpusTest {
  @Test
  void countsSingleRange() {
    assertEquals(2, PossibleCpus.parse("0-1\n"));
  }

  @Test
  void countsListOfSinglesAndRanges() {
    assertEquals(5, PossibleCpus.parse("0,2-5"));
    assertEquals(1, PossibleCpus.parse("0"));
  }

  @Test
  void rejectsMalformedListQuotingIt() {
    BpfException e = assertThrows(BpfException.class, () -> PossibleCpus.parse("0-x"));
    assertTrue(e.getMessage().contains("'0-x'"), e.getMessage());
    assertThrows(BpfException.class, () -> PossibleCpus.parse("3-1"));
    assertThrows(BpfException.class, () -> PossibleCpus.parse(""));
  }

  @Test
  void countOfThisMachineMatchesJvmView() {
    // The JVM sees online CPUs, which are a subset of the possible ones.
    assertTrue(PossibleCpus.count() >= Runtime.getRuntime().availableProcessors());
  }
}
