package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class KernelSymbolsTest {

  private static final String SAMPLE =
      "ffffffff81000000 T _stext\n"
          + "ffffffff81000000 T _text\n"
          + "ffffffff81001000 t helper\n"
          + "ffffffff81002000 D some_data\n"
          + "ffffffff81003000 W weak_fn\n"
          + "ffffffffc0201000 t ftrace_trampoline\t[__builtin__ftrace]\n"
          // Module symbols follow the core kernel in kallsyms, but need not be in order.
          + "ffffffffc0100000 t nf_hook_x\t[nf_tables]\n"
          + "ffffffff81004000 T tcp_v4_rcv\n";

  private static KernelSymbols sample() {
    return KernelSymbols.parse(new StringReader(SAMPLE));
  }

  @Test
  void keepsOnlyTextSymbolsAndOnePerAddress() {
    // _stext/_text share an address; some_data is data.
    assertEquals(6, sample().size());
  }

  @Test
  void symbolizesToNearestLowerSymbolWithHexOffset() {
    KernelSymbols s = sample();
    assertEquals("tcp_v4_rcv+0x1b2", s.symbolize(0xffffffff810041b2L));
    assertEquals("tcp_v4_rcv+0x0", s.symbolize(0xffffffff81004000L));
    assertEquals("helper+0xfff", s.symbolize(0xffffffff81001fffL));
    assertEquals("_stext+0x10", s.symbolize(0xffffffff81000010L), "the first symbol listed at an address wins");
    assertEquals("weak_fn+0x8", s.symbolize(0xffffffff81003008L));
    assertEquals("helper+0x1004", s.symbolize(0xffffffff81002004L), "data symbols are not code");
  }

  @Test
  void symbolizesModuleSymbolsWithTheirModule() {
    KernelSymbols s = sample();
    assertEquals("nf_hook_x+0x20 [nf_tables]", s.symbolize(0xffffffffc0100020L));
    assertEquals("ftrace_trampoline+0x4 [__builtin__ftrace]", s.symbolize(0xffffffffc0201004L));
  }

  @Test
  void answersInHexBelowTheFirstSymbolOrFarPastTheLast() {
    KernelSymbols s = sample();
    assertEquals("0xffffffff80ffffff", s.symbolize(0xffffffff80ffffffL));
    assertEquals("0x0", s.symbolize(0));
    assertEquals("0x1234", s.symbolize(0x1234));
    assertEquals("0xffffffffc1201004", s.symbolize(0xffffffffc1201004L));
  }

  @Test
  void answersInHexWhenKptrRestrictHidesAddresses() {
    String restricted =
        "0000000000000000 T _stext\n0000000000000000 T tcp_v4_rcv\n0000000000000000 t x\t[mod]\n";
    KernelSymbols s = KernelSymbols.parse(new StringReader(restricted));
    assertEquals(0, s.size());
    assertEquals("0xffffffff810041b2", s.symbolize(0xffffffff810041b2L));
  }

  @Test
  void rejectsMalformedLinesNamingTheLine() {
    assertMalformed("ffffffff81000000 T ok\nnot a kallsyms line\n", "line 2");
    assertMalformed("ffffffff8100zz00 T bad\n", "address is not a hex number");
    assertMalformed("ffffffff81000000 T\n", "line 1");
    assertMalformed("ffffffff81000000 t mod_fn\tnf_tables\n", "[module]");
  }

  private static void assertMalformed(String text, String expected) {
    KernelFormatException e =
        assertThrows(KernelFormatException.class, () -> KernelSymbols.parse(new StringReader(text)));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void loadsThisKernelsSymbols() throws Exception {
    // Load time is measured in docs/performance.md, not asserted here.
    KernelSymbols s = KernelSymbols.load();
    assertTrue(s.size() > 10_000, "only " + s.size() + " symbols");

    Matcher m =
        Pattern.compile("(?m)^([0-9a-f]+) T tcp_v4_rcv$").matcher(Files.readString(Path.of("/proc/kallsyms")));
    assertTrue(m.find(), "tcp_v4_rcv not in /proc/kallsyms");
    long address = Long.parseUnsignedLong(m.group(1), 16);
    assertTrue(address != 0, "kptr_restrict hides addresses from root in CI");
    assertEquals("tcp_v4_rcv+0x1b2", s.symbolize(address + 0x1b2));
  }

  @Test
  void parsesLinesThatCrossTheReadBuffersEdges() {
    // Far more text than one read buffer (64 KiB), and one name longer than it.
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 5_000; i++) {
      text.append(String.format("ffffffff8%07x t fn_%d\n", i * 0x100, i));
    }
    String longName = "x".repeat(100_000);
    text.append(String.format("ffffffff8%07x T %s\n", 5_000 * 0x100, longName));
    text.append(String.format("ffffffff8%07x T last_without_newline", 5_001 * 0x100));
    KernelSymbols s = KernelSymbols.parse(new StringReader(text.toString()));

    assertEquals(5_002, s.size());
    for (int i = 0; i < 5_000; i += 7) {
      assertEquals("fn_" + i + "+0x10", s.symbolize(0xffffffff80000000L + i * 0x100 + 0x10));
    }
    assertEquals(longName + "+0x0", s.symbolize(0xffffffff80000000L + 5_000 * 0x100));
    assertEquals("last_without_newline+0x4", s.symbolize(0xffffffff80000000L + 5_001 * 0x100 + 4));
  }

  @Test
  void loadingThisKernelsSymbolsNeverHoldsTheWholeText() throws Exception {
    long textBytes = Files.readAllBytes(Path.of("/proc/kallsyms")).length;
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    KernelSymbols.load(); // classes loaded and initialised: not counted below
    long before = threads.getCurrentThreadAllocatedBytes();
    KernelSymbols.load();
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    // Reading it all, then parsing, allocated 7.5 times the text (40.7 MB for 5.4 MB); streaming
    // through one buffer, 3.8 times (the arrays, the names, and their trimmed copies).
    assertTrue(
        allocated < 5 * textBytes,
        "loading allocated " + allocated + " bytes for " + textBytes + " bytes of kallsyms");
  }
}
