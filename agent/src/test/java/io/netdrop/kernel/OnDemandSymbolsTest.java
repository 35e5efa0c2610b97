package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class OnDemandSymbolsTest {
  private static final String KALLSYMS =
      "ffffffff81001000 t helper\n"
          + "ffffffff81004000 T tcp_v4_rcv\n"
          + "ffffffffc0100000 t nf_hook_x\t[nf_tables]\n";

  private final AtomicLong now = new AtomicLong();
  private final AtomicInteger reads = new AtomicInteger();
  private final Supplier<KernelSymbols> loader =
      () -> {
        reads.incrementAndGet();
        return KernelSymbols.parse(new StringReader(KALLSYMS));
      };

  private OnDemandSymbols symbols(Supplier<KernelSymbols> from) {
    return new OnDemandSymbols(from, 1_000, now::get);
  }

  private void advanceMillis(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void readsNothingUntilADropNeedsAName() {
    OnDemandSymbols s = symbols(loader);
    assertFalse(s.loaded());
    assertEquals(0, reads.get());
  }

  @Test
  void namesAddressesAsTheWholeTableDoes() {
    OnDemandSymbols s = symbols(loader);
    KernelSymbols whole = KernelSymbols.parse(new StringReader(KALLSYMS));
    for (long a : new long[] {0xffffffff810041b2L, 0xffffffff81001fffL, 0xffffffffc0100020L, 0x1234L}) {
      assertEquals(whole.symbolize(a), s.symbolize(a));
    }
    assertEquals("nf_hook_x+0x20 [nf_tables]", s.symbolize(0xffffffffc0100020L));
    assertEquals(1, reads.get());
  }

  @Test
  void letsGoOfTheTableOnlyAfterTheIdleTime() {
    OnDemandSymbols s = symbols(loader);
    s.symbolize(0xffffffff810041b2L);
    advanceMillis(999);
    assertFalse(s.releaseIfIdle());
    assertTrue(s.loaded());
    advanceMillis(1);
    assertTrue(s.releaseIfIdle());
    assertFalse(s.loaded());
  }

  @Test
  void remembersLocationsByNameSoRepeatedDropsDoNotReadAgain() {
    OnDemandSymbols s = symbols(loader);
    assertEquals("tcp_v4_rcv+0x1b2", s.symbolize(0xffffffff810041b2L));
    advanceMillis(5_000);
    s.releaseIfIdle();
    assertEquals("tcp_v4_rcv+0x1b2", s.symbolize(0xffffffff810041b2L));
    assertFalse(s.loaded());
    assertEquals(1, reads.get());

    assertEquals("helper+0x4", s.symbolize(0xffffffff81001004L), "a new location reads again");
    assertEquals(2, reads.get());
  }

  @Test
  void remembersABoundedNumberOfLocations() {
    OnDemandSymbols s = symbols(loader);
    for (int i = 0; i <= OnDemandSymbols.REMEMBERED; i++) {
      s.symbolize(0xffffffff81004000L + i);
    }
    advanceMillis(5_000);
    s.releaseIfIdle();
    s.symbolize(0xffffffff81004000L); // the eldest, forgotten
    assertEquals(2, reads.get());
  }

  @Test
  void answersInHexWhenKallsymsCannotBeReadAndTriesAgainLater() {
    AtomicInteger calls = new AtomicInteger();
    OnDemandSymbols s =
        symbols(
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw new KernelFormatException("cannot read /proc/kallsyms: denied");
              }
              return loader.get();
            });
    assertEquals("0xffffffff810041b2", s.symbolize(0xffffffff810041b2L));
    assertEquals("tcp_v4_rcv+0x1b2", s.symbolize(0xffffffff810041b2L));
  }

  @Test
  void namesAnAddressOfTheRunningKernel() throws Exception {
    // tcp_v4_rcv's address as this process sees it (root: kallsyms shows real addresses).
    long address =
        Files.readAllLines(Path.of("/proc/kallsyms")).stream()
            .filter(l -> l.endsWith(" T tcp_v4_rcv"))
            .mapToLong(l -> Long.parseUnsignedLong(l.substring(0, l.indexOf(' ')), 16))
            .findFirst()
            .orElseThrow();
    assertTrue(address != 0, "kallsyms addresses are hidden from this process");
    assertEquals("tcp_v4_rcv+0x10", OnDemandSymbols.kallsyms().symbolize(address + 0x10));
  }
}
