package io.netdrop.bpf.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Needs the running kernel's BTF (CONFIG_DEBUG_INFO_BTF) and, for one check, tracefs (mounted here if absent). */
class VmlinuxBtfTest {
  private static final Path KFREE_SKB_FORMAT = Path.of("/sys/kernel/tracing/events/skb/kfree_skb/format");
  private static final Pattern SYMBOL = Pattern.compile("\\{\\s*(\\d+),\\s*\"(\\w+)\"\\s*\\}");

  private static Btf vmlinux;

  @BeforeAll
  static void load() {
    vmlinux = Btf.loadVmlinux();
  }

  @Test
  void loadsKernelBtfAndFindsItsTypes() {
    // Load time is measured in docs/performance.md, not asserted here.
    assertTrue(vmlinux.typeCount() > 10_000, "typeCount " + vmlinux.typeCount());
    assertTrue(vmlinux.findType(BtfKind.STRUCT, "sk_buff").isPresent());
  }

  @Test
  void dropReasonsMatchTheTracepointFormat() throws IOException, InterruptedException {
    Map<String, Long> reasons = vmlinux.enumerators("skb_drop_reason");
    assertTrue(reasons.containsKey("SKB_DROP_REASON_NO_SOCKET"), reasons.keySet().toString());
    assertTrue(reasons.containsKey("SKB_DROP_REASON_NOT_SPECIFIED"));

    Map<String, Long> traced = tracepointSymbols();
    assertTrue(traced.size() > 10, "print fmt symbols: " + traced);
    traced.forEach((name, value) ->
        assertEquals(value, reasons.get("SKB_DROP_REASON_" + name), "value of " + name));
  }

  @Test
  void kfreeSkbTracepointPrototypeHasSkbLocationAndReason() {
    assertTrue(vmlinux.funcProtoParamCount("btf_trace_kfree_skb").orElse(0) >= 4);
  }

  @Test
  void resolvesKernelStructSizes() {
    int skb = vmlinux.findType(BtfKind.STRUCT, "sk_buff").orElseThrow();
    assertTrue(vmlinux.sizeOf(skb) > 100);
    assertEquals(8, vmlinux.sizeOf(vmlinux.findType(BtfKind.TYPEDEF, "u64").orElseThrow()));
  }

  private static Map<String, Long> tracepointSymbols() throws IOException, InterruptedException {
    if (!Files.exists(KFREE_SKB_FORMAT)) {
      new ProcessBuilder("mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing").inheritIO().start().waitFor();
    }
    String format = Files.readString(KFREE_SKB_FORMAT);
    Map<String, Long> symbols = new LinkedHashMap<>();
    Matcher m = SYMBOL.matcher(format.substring(format.indexOf("__print_symbolic")));
    while (m.find()) {
      symbols.put(m.group(2), Long.parseLong(m.group(1)));
    }
    return symbols;
  }
}
