package io.netdrop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DropReasonsTest {

  private static final String FORMAT_HEAD =
      "name: kfree_skb\nID: 2310\nformat:\n"
          + "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
          + "\tfield:enum skb_drop_reason reason;\toffset:36;\tsize:4;\tsigned:0;\n\n";

  private static String format(String symbolicList) {
    return FORMAT_HEAD
        + "print fmt: \"skbaddr=%p protocol=%u location=%pS reason: %s\", REC->skbaddr,"
        + " REC->protocol, REC->location, __print_symbolic(REC->reason, "
        + symbolicList
        + ")\n";
  }

  private static Map<String, Long> sampleEnum() {
    Map<String, Long> e = new LinkedHashMap<>();
    e.put("SKB_NOT_DROPPED_YET", 0L);
    e.put("SKB_CONSUMED", 1L);
    e.put("SKB_DROP_REASON_NOT_SPECIFIED", 2L);
    e.put("SKB_DROP_REASON_NO_SOCKET", 3L);
    e.put("SKB_DROP_REASON_SOCKET_RCVBUFF", 6L);
    e.put("SKB_DROP_REASON_MAX", 7L);
    e.put("SKB_DROP_REASON_SUBSYS_MASK", 0xffff0000L);
    return e;
  }

  @Test
  void namesReasonsFromBtfEnumeratorsWithoutPrefixes() {
    DropReasons r = DropReasons.fromEnumerators(sampleEnum(), "btf");
    assertEquals("btf", r.source());
    assertEquals("NOT_DROPPED_YET", r.name(0));
    assertEquals("CONSUMED", r.name(1));
    assertEquals("NO_SOCKET", r.name(3));
    assertEquals("SOCKET_RCVBUFF", r.name(6));
    assertEquals("MAX", r.name(7));
    assertEquals(6, r.size(), "SUBSYS_MASK is a mask, not a reason");
    assertEquals(OptionalInt.of(3), r.value("NO_SOCKET"));
    assertEquals(OptionalInt.of(3), r.value("SKB_DROP_REASON_NO_SOCKET"));
    assertEquals(OptionalInt.of(1), r.value("CONSUMED"));
    assertEquals(OptionalInt.empty(), r.value("SUBSYS_MASK"));
    assertEquals(OptionalInt.empty(), r.value("TCP_CSUM"));
  }

  @Test
  void namesValuesMissingFromTheTableAsUnknown() {
    DropReasons r = DropReasons.fromEnumerators(sampleEnum(), "btf");
    assertEquals("UNKNOWN(4)", r.name(4));
    assertEquals("UNKNOWN(200)", r.name(200));
    assertEquals("UNKNOWN(65535)", r.name(0xffff));
  }

  @Test
  void namesSubsystemValuesBySubsystemAndCode() {
    DropReasons r = DropReasons.fromEnumerators(sampleEnum(), "btf");
    assertEquals("SUBSYS_2(5)", r.name((2 << 16) | 5));
    assertEquals("SUBSYS_65535(0)", r.name(0xffff0000));
    Map<String, Long> withSubsys = sampleEnum();
    withSubsys.put("SKB_DROP_REASON_OVS_EXPLICIT", (3L << 16) | 1);
    assertEquals("OVS_EXPLICIT", DropReasons.fromEnumerators(withSubsys, "btf").name((3 << 16) | 1));
  }

  @Test
  void noneNamesEverythingUnknown() {
    DropReasons r = DropReasons.none();
    assertEquals("none", r.source());
    assertEquals(0, r.size());
    assertEquals("UNKNOWN(3)", r.name(3));
    assertEquals("SUBSYS_65535(65535)", r.name(-1));
    assertEquals(OptionalInt.empty(), r.value("NO_SOCKET"));
  }

  @Test
  void rejectsEnumWithoutReasons() {
    KernelFormatException e =
        assertThrows(KernelFormatException.class, () -> DropReasons.fromEnumerators(Map.of("SKB_DROP_REASON_SUBSYS_MASK", 0xffff0000L), "btf"));
    assertTrue(e.getMessage().contains("no reasons"), e.getMessage());
  }

  @Test
  void parsesPrintSymbolicListOfAFormatFile() {
    DropReasons r =
        DropReasons.fromTracefsFormat(
            format("{ 2, \"NOT_SPECIFIED\" }, { 3, \"NO_SOCKET\" }, { 0x6, \"SOCKET_RCVBUFF\" }, { 7, \"MAX\" }"));
    assertEquals("tracefs", r.source());
    assertEquals(4, r.size());
    assertEquals("NO_SOCKET", r.name(3));
    assertEquals("SOCKET_RCVBUFF", r.name(6));
    assertEquals("UNKNOWN(4)", r.name(4));
    assertEquals(OptionalInt.of(7), r.value("MAX"));
  }

  @Test
  void rejectsGarbageFormatWithClearError() {
    assertMalformed("name: kfree_skb\nformat:\n", "no 'print fmt:'");
    assertMalformed("print fmt: \"%s\", REC->name\n", "no __print_symbolic(REC->reason");
    assertMalformed(format("{ 2, \"NOT_SPECIFIED\" }, { three, \"NO_SOCKET\" }"), "expected a number, found 'three");
    assertMalformed(format("{ 2, \"NOT_SPECIFIED\" }, { 3, NO_SOCKET }"), "expected '\"'");
    assertMalformed(format("{ 2, \"NOT_SPECIFIED\" } { 3, \"NO_SOCKET\" }"), "expected ','");
    assertMalformed(format("{ 2, \"NOT_SPECIFIED\""), "expected '}'");
    assertMalformed(FORMAT_HEAD + "print fmt: \"%s\", __print_symbolic(REC->reason )\n", "list is empty");
    assertMalformed(format(""), "expected '{', found ')");
    assertMalformed(FORMAT_HEAD + "print fmt: \"%s\", __print_symbolic(REC->reason, { 2, \"NOT_SPEC", "unterminated string");
    assertMalformed(FORMAT_HEAD + "print fmt: \"%s\", __print_symbolic(REC->reason, { 2, \"A\" }", "ends inside");
    assertMalformed(format("{ 0x100000000, \"HUGE\" }"), "does not fit in 32 bits");
  }

  private static void assertMalformed(String text, String expected) {
    KernelFormatException e =
        assertThrows(KernelFormatException.class, () -> DropReasons.fromTracefsFormat(text));
    assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
  }

  @Test
  void readsTheRunningKernelsTracefsFormat() throws Exception {
    boolean mounted = TracefsMount.ensureMounted();
    try {
      Path format = Tracefs.eventDir("skb", "kfree_skb").orElseThrow().resolve("format");
      String text = Files.readString(format);
      DropReasons r = DropReasons.fromTracefs().orElseThrow();
      assertEquals("tracefs", r.source());
      // Every { value, "NAME" } pair of the real file must round-trip.
      Matcher m = Pattern.compile("\\{ (\\d+), \"(\\w+)\" \\}").matcher(text);
      int pairs = 0;
      while (m.find()) {
        pairs++;
        int value = Integer.parseInt(m.group(1));
        assertEquals(m.group(2), r.name(value));
        assertEquals(OptionalInt.of(value), r.value(m.group(2)));
      }
      assertTrue(pairs > 50, "a 6.x kernel lists many reasons, found " + pairs);
      assertEquals(pairs, r.size());
      assertTrue(r.value("NO_SOCKET").isPresent());
      assertFalse(r.name(r.value("NO_SOCKET").getAsInt()).startsWith("UNKNOWN"));
    } finally {
      if (mounted) {
        TracefsMount.unmount();
      }
    }
  }
}
