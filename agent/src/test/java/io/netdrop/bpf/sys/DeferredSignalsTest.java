package io.netdrop.bpf.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DeferredSignalsTest {
  private static final int SIGSEGV = 11;
  private static final int SIGPROF = 27;
  private static final int SIGUSR2 = 12;

  /** The calling thread's blocked-signal mask, as the kernel reports it. */
  private static long blockedMask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
        if (line.startsWith("SigBlk:")) {
          return Long.parseUnsignedLong(line.substring(7).trim(), 16);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new AssertionError("no SigBlk in /proc/thread-self/status");
  }

  private static boolean blocked(long mask, int signo) {
    return (mask & (1L << (signo - 1))) != 0;
  }

  @Test
  void holdsAsynchronousSignalsDuringTheCallAndRestoresTheMaskAfter() {
    long before = blockedMask();
    long[] inside = new long[1];
    long result = DeferredSignals.during(() -> {
      inside[0] = blockedMask();
      return 42;
    });
    assertEquals(42, result);
    assertTrue(blocked(inside[0], SIGPROF), "a profiler's SIGPROF waits for the call");
    assertTrue(blocked(inside[0], SIGUSR2));
    assertFalse(blocked(inside[0], SIGSEGV), "faults still reach the JVM's handler");
    assertEquals(before, blockedMask(), "the thread's own mask is back");
  }

  @Test
  void neverHoldsTheSignalsOfFaults() {
    for (int signo : new int[] {4, 5, 7, 8, 11}) {
      assertFalse(DeferredSignals.holds(signo), "signal " + signo);
    }
    assertTrue(DeferredSignals.holds(SIGPROF));
    assertTrue(DeferredSignals.holds(14)); // SIGALRM
  }

  @Test
  void restoresTheMaskWhenTheCallThrows() {
    long before = blockedMask();
    try {
      DeferredSignals.during(() -> {
        throw new IllegalStateException("call failed");
      });
    } catch (IllegalStateException expected) {
      // the mask must be back regardless
    }
    assertEquals(before, blockedMask());
  }
}
