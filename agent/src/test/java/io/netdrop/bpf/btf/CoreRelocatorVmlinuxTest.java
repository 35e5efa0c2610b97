package io.netdrop.bpf.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Relocates the real netdrop object against the running kernel's BTF. */
class CoreRelocatorVmlinuxTest {
  private static final List<String> PROGRAM_SECTIONS = List.of("tp_btf/kfree_skb", "tracepoint/skb/kfree_skb",
      "tp_btf/net_dev_queue", "tracepoint/net/net_dev_queue");

  private static TestElf elf;
  private static Btf local;
  private static BtfExt ext;
  private static Btf vmlinux;

  @BeforeAll
  static void load() {
    elf = TestElf.netdropObject();
    local = Btf.parse(ByteBuffer.wrap(elf.section(".BTF")));
    ext = BtfExt.parse(ByteBuffer.wrap(elf.section(".BTF.ext")), local);
    vmlinux = Btf.loadVmlinux();
  }

  @Test
  void satisfiesEveryRelocationOfEveryProgramSection() {
    boolean kernelHasRxSk = memberOffset(vmlinux,
        vmlinux.findType(BtfKind.STRUCT, "trace_event_raw_kfree_skb").orElseThrow(), "rx_sk").isPresent();
    int total = 0;
    for (String section : ext.sections()) {
      if (!elf.isExecutable(section)) {
        continue;
      }
      List<CoreRelocation> relos = ext.coreRelocations(section);
      CoreResult result = new CoreRelocator(local, vmlinux).apply(elf.section(section), 0, relos);
      for (String message : result.unsatisfied()) {
        assertFalse(kernelHasRxSk, "unexpected: " + message);
        assertTrue(message.startsWith("trace_event_raw_kfree_skb.rx_sk:"), message);
      }
      assertEquals(relos.size(), result.applied() + result.unsatisfied().size(), section);
      total += relos.size();
    }
    assertTrue(ext.sections().containsAll(PROGRAM_SECTIONS), ext.sections().toString());
    assertTrue(total > 20, "relocations seen: " + total);
  }

  @Test
  void patchesSkbLenToTheKernelOffset() {
    int localSkb = local.findType(BtfKind.STRUCT, "sk_buff").orElseThrow();
    int lenIndex = memberIndex(local, localSkb, "len");
    long kernelOffset = memberOffset(vmlinux, vmlinux.findType(BtfKind.STRUCT, "sk_buff").orElseThrow(), "len")
        .orElseThrow() / 8;
    assertNotEquals(local.type(localSkb).members().get(lenIndex).bitOffset() / 8, kernelOffset,
        "the local sk_buff is deliberately not the kernel layout");

    int checked = 0;
    for (String section : PROGRAM_SECTIONS) {
      byte[] insns = elf.section(section);
      List<CoreRelocation> relos = ext.coreRelocations(section);
      new CoreRelocator(local, vmlinux).apply(insns, 0, relos);
      for (CoreRelocation r : relos) {
        if (r.typeId() == localSkb && r.accessString().equals("0:" + lenIndex)
            && r.kind() == CoreRelocationKind.FIELD_BYTE_OFFSET) {
          int pos = r.insnOffset();
          int cls = insns[pos] & 0x07;
          long patched = cls == 0x01
              ? (short) ((insns[pos + 2] & 0xff) | (insns[pos + 3] << 8))
              : ByteBuffer.wrap(insns, pos + 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
          assertEquals(kernelOffset, patched, section + " insn " + pos / 8);
          checked++;
        }
      }
    }
    assertTrue(checked >= 2, "sk_buff.len relocations checked: " + checked);
  }

  @Test
  void splitsSectionIntoProgramsBySectionOffset() {
    byte[] section = elf.section("tp_btf/kfree_skb");
    List<CoreRelocation> relos = ext.coreRelocations("tp_btf/kfree_skb");
    List<BtfFuncInfo> funcs = ext.funcInfos("tp_btf/kfree_skb");
    int split = funcs.get(1).insnOffset();
    byte[] first = java.util.Arrays.copyOfRange(section, 0, split);
    byte[] second = java.util.Arrays.copyOfRange(section, split, section.length);

    CoreRelocator relocator = new CoreRelocator(local, vmlinux);
    int applied = relocator.apply(first, 0, relos).applied() + relocator.apply(second, split, relos).applied();

    assertEquals(relos.size(), applied);
  }

  private static int memberIndex(Btf btf, int struct, String name) {
    List<BtfMember> members = btf.type(struct).members();
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no member " + name);
  }

  /** Independent of the relocator: bit offset of a member, searching anonymous members. */
  private static OptionalLong memberOffset(Btf btf, int struct, String name) {
    for (BtfMember m : btf.type(struct).members()) {
      if (m.name().equals(name)) {
        return OptionalLong.of(m.bitOffset());
      }
      if (m.name().isEmpty()) {
        OptionalLong inner = memberOffset(btf, btf.skipModifiers(m.type()), name);
        if (inner.isPresent()) {
          return OptionalLong.of(m.bitOffset() + inner.getAsLong());
        }
      }
    }
    return OptionalLong.empty();
  }
}
