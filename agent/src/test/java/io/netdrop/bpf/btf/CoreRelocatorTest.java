package io.netdrop.bpf.btf;

import static io.netdrop.bpf.btf.CoreRelocationKind.ENUMVAL_EXISTS;
import static io.netdrop.bpf.btf.CoreRelocationKind.ENUMVAL_VALUE;
import static io.netdrop.bpf.btf.CoreRelocationKind.FIELD_BYTE_OFFSET;
import static io.netdrop.bpf.btf.CoreRelocationKind.FIELD_BYTE_SIZE;
import static io.netdrop.bpf.btf.CoreRelocationKind.FIELD_EXISTS;
import static io.netdrop.bpf.btf.CoreRelocationKind.FIELD_LSHIFT_U64;
import static io.netdrop.bpf.btf.CoreRelocationKind.FIELD_RSHIFT_U64;
import static io.netdrop.bpf.btf.CoreRelocationKind.FIELD_SIGNED;
import static io.netdrop.bpf.btf.CoreRelocationKind.TYPE_EXISTS;
import static io.netdrop.bpf.btf.CoreRelocationKind.TYPE_ID_TARGET;
import static io.netdrop.bpf.btf.CoreRelocationKind.TYPE_MATCHES;
import static io.netdrop.bpf.btf.CoreRelocationKind.TYPE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CoreRelocatorTest {
  private static final int LDX_W = 0x61;
  private static final int LDX_H = 0x69;
  private static final int LDX_DW = 0x79;

  /** Local view: struct task { unsigned int a; unsigned int b; } (ids 1 int, 2 task). */
  private static Btf localTask(String name) {
    BtfBuilder b = new BtfBuilder();
    int u32 = b.integer("unsigned int", 4, false);
    b.struct(name, 8, "a", u32, 0, "b", u32, 32);
    return b.parse();
  }

  private static byte[] insns(byte[]... list) {
    byte[] all = new byte[list.length * 8];
    for (int i = 0; i < list.length; i++) {
      System.arraycopy(list[i], 0, all, i * 8, 8);
    }
    return all;
  }

  private static byte[] ldx(int code, int off) {
    return new byte[] {(byte) code, 0x21, (byte) off, (byte) (off >> 8), 0, 0, 0, 0};
  }

  private static byte[] movImm(int imm) {
    return new byte[] {(byte) 0xb7, 0x01, 0, 0, (byte) imm, (byte) (imm >> 8), (byte) (imm >> 16), (byte) (imm >> 24)};
  }

  private static int off(byte[] insns, int index) {
    return (short) ((insns[index * 8 + 2] & 0xff) | (insns[index * 8 + 3] << 8));
  }

  private static int imm(byte[] insns, int index) {
    int p = index * 8 + 4;
    return (insns[p] & 0xff) | (insns[p + 1] & 0xff) << 8 | (insns[p + 2] & 0xff) << 16 | insns[p + 3] << 24;
  }

  private static void assertPoisoned(byte[] insns, int index) {
    assertEquals(0x85, insns[index * 8] & 0xff, "call opcode");
    assertEquals(0xbad2310, imm(insns, index));
  }

  @Test
  void patchesOffsetOfFieldThatMovedInKernel() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    int u64 = t.integer("unsigned long", 8, false);
    t.struct("task", 24, "pad", u64, 0, "b", u32, 64, "a", u32, 96);
    byte[] code = insns(ldx(LDX_W, 4), movImm(4));

    CoreResult result = new CoreRelocator(localTask("task"), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET), new CoreRelocation(8, 2, "0:1", FIELD_BYTE_OFFSET)));

    assertEquals(new CoreResult(2, List.of()), result);
    assertEquals(8, off(code, 0));
    assertEquals(LDX_W, code[0] & 0xff);
    assertEquals(8, imm(code, 1));
  }

  @Test
  void findsFieldInsideNestedAnonymousMembers() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    int inner = t.struct("", 8, "x", u32, 0, "b", u32, 32);
    int union = t.union("", 8, "y", u32, 0, "", inner, 0);
    t.struct("task", 24, "a", u32, 0, "", union, 64);
    byte[] code = insns(ldx(LDX_W, 4));

    CoreResult result = new CoreRelocator(localTask("task"), t.parse()).apply(code, 0,
        List.of(new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET)));

    assertEquals(1, result.applied());
    assertEquals(12, off(code, 0));
  }

  @Test
  void listsMissingFieldAndPoisonsItsInstructionButAnswersExistsWithZero() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    t.struct("task", 4, "a", u32, 0);
    byte[] code = insns(movImm(1), ldx(LDX_W, 4));

    CoreResult result = new CoreRelocator(localTask("task"), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 2, "0:1", FIELD_EXISTS), new CoreRelocation(8, 2, "0:1", FIELD_BYTE_OFFSET)));

    assertEquals(1, result.applied());
    assertEquals(List.of("task.b: field not found in kernel BTF (FIELD_BYTE_OFFSET, insn 1)"), result.unsatisfied());
    assertEquals(0, imm(code, 0));
    assertPoisoned(code, 1);
  }

  @Test
  void reportsTypeMissingFromKernel() {
    BtfBuilder t = new BtfBuilder();
    t.integer("unsigned int", 4, false);
    byte[] code = insns(ldx(LDX_W, 0), movImm(1), movImm(8));

    CoreResult result = new CoreRelocator(localTask("task"), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 2, "0:0", FIELD_BYTE_OFFSET), new CoreRelocation(8, 2, "0", TYPE_EXISTS),
        new CoreRelocation(16, 2, "0", TYPE_SIZE)));

    assertEquals(List.of("task.a: struct task not found in kernel BTF (FIELD_BYTE_OFFSET, insn 0)"), result.unsatisfied());
    assertPoisoned(code, 0);
    assertEquals(0, imm(code, 1));
    assertEquals(0, imm(code, 2));
  }

  @Test
  void matchesLocalFlavourAgainstPlainKernelName() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    t.struct("task", 12, "b", u32, 0, "c", u32, 32, "a", u32, 64);
    byte[] code = insns(ldx(LDX_W, 0));

    CoreResult result = new CoreRelocator(localTask("task___v2"), t.parse()).apply(code, 0,
        List.of(new CoreRelocation(0, 2, "0:0", FIELD_BYTE_OFFSET)));

    assertEquals(1, result.applied());
    assertEquals(8, off(code, 0));
  }

  @Test
  void relocatesEnumValuesAndExistence() {
    BtfBuilder l = new BtfBuilder();
    l.enumeration("reason", 4, false, "OLD", 1, "MOVED", 2);
    BtfBuilder t = new BtfBuilder();
    t.enumeration("reason", 4, false, "FIRST", 0, "MOVED", 7);
    byte[] ldImm64 = {0x18, 0x01, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    byte[] code = new byte[48];
    System.arraycopy(insns(movImm(1), movImm(1), movImm(2)), 0, code, 0, 24);
    System.arraycopy(ldImm64, 0, code, 24, 16);
    System.arraycopy(movImm(1), 0, code, 40, 8);

    CoreResult result = new CoreRelocator(l.parse(), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 1, "0", ENUMVAL_EXISTS), new CoreRelocation(8, 1, "1", ENUMVAL_EXISTS),
        new CoreRelocation(16, 1, "1", ENUMVAL_VALUE), new CoreRelocation(24, 1, "1", ENUMVAL_VALUE),
        new CoreRelocation(40, 1, "0", ENUMVAL_VALUE)));

    assertEquals(4, result.applied());
    assertEquals(0, imm(code, 0), "OLD is gone");
    assertEquals(1, imm(code, 1), "MOVED exists");
    assertEquals(7, imm(code, 2));
    assertEquals(7, imm(code, 3), "ld_imm64 low half");
    assertEquals(0, imm(code, 4), "ld_imm64 high half");
    assertEquals(List.of("reason::OLD: enumerator not found in kernel BTF (ENUMVAL_VALUE, insn 5)"), result.unsatisfied());
    assertPoisoned(code, 5);
  }

  @Test
  void patchesChangedTypeSizeAndTargetTypeId() {
    BtfBuilder t = new BtfBuilder();
    t.integer("char", 1, true);
    int u64 = t.integer("unsigned long", 8, false);
    t.struct("task", 16, "a", u64, 0, "b", u64, 64);
    byte[] code = insns(movImm(8), movImm(2), movImm(1), movImm(1));

    CoreResult result = new CoreRelocator(localTask("task"), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 2, "0", TYPE_SIZE), new CoreRelocation(8, 2, "0", TYPE_ID_TARGET),
        new CoreRelocation(16, 2, "0", TYPE_EXISTS), new CoreRelocation(24, 2, "0", TYPE_MATCHES)));

    assertEquals(4, result.applied());
    assertEquals(16, imm(code, 0));
    assertEquals(3, imm(code, 1), "kernel type id");
    assertEquals(1, imm(code, 2));
    assertEquals(0, imm(code, 3), "int sizes differ, so the types do not match");
  }

  @Test
  void rejectsCandidatesThatDisagree() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    t.struct("task", 8, "a", u32, 0, "b", u32, 32);
    t.struct("task___other", 12, "a", u32, 0, "b", u32, 64);
    byte[] code = insns(ldx(LDX_W, 4));

    CoreRelocationException e = assertThrows(CoreRelocationException.class, () ->
        new CoreRelocator(localTask("task"), t.parse()).apply(code, 0,
            List.of(new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET))));
    assertTrue(e.getMessage().contains("ambiguous") && e.getMessage().contains("task.b"), e.getMessage());
  }

  @Test
  void acceptsCandidatesThatAgree() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    t.struct("task", 8, "a", u32, 0, "b", u32, 32);
    t.struct("task___same", 8, "a", u32, 0, "b", u32, 32);
    byte[] code = insns(ldx(LDX_W, 4));

    assertEquals(1, new CoreRelocator(localTask("task"), t.parse()).apply(code, 0,
        List.of(new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET))).applied());
  }

  @Test
  void narrowsLoadOfUnsignedFieldAndRefusesSignedOne() {
    BtfBuilder t = new BtfBuilder();
    int u16 = t.integer("unsigned short", 2, false);
    int s16 = t.integer("short", 2, true);
    t.struct("task", 4, "a", u16, 0, "b", s16, 16);
    BtfBuilder l = new BtfBuilder();
    int u32 = l.integer("unsigned int", 4, false);
    int s32 = l.integer("int", 4, true);
    l.struct("task", 8, "a", u32, 0, "b", s32, 32);
    byte[] code = insns(ldx(LDX_W, 0), ldx(LDX_W, 4));

    CoreResult result = new CoreRelocator(l.parse(), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 3, "0:0", FIELD_BYTE_OFFSET), new CoreRelocation(8, 3, "0:1", FIELD_BYTE_OFFSET)));

    assertEquals(LDX_H, code[0] & 0xff);
    assertEquals(1, result.applied());
    assertEquals(1, result.unsatisfied().size());
    assertTrue(result.unsatisfied().get(0).startsWith("task.b: field size differs"), result.unsatisfied().get(0));
    assertPoisoned(code, 1);
  }

  @Test
  void relocatesArrayElementsAndFieldSizes() {
    BtfBuilder l = new BtfBuilder();
    int u32 = l.integer("unsigned int", 4, false);
    int arr = l.array(u32, u32, 4);
    l.struct("holder", 20, "n", u32, 0, "v", arr, 32);
    BtfBuilder t = new BtfBuilder();
    int u64 = t.integer("unsigned long", 8, false);
    int tu32 = t.integer("unsigned int", 4, false);
    int tarr = t.array(tu32, tu32, 8);
    t.struct("holder", 48, "n", u64, 0, "v", tarr, 64);
    byte[] code = insns(ldx(LDX_W, 12), movImm(16), movImm(4));

    CoreResult result = new CoreRelocator(l.parse(), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 3, "0:1:2", FIELD_BYTE_OFFSET), new CoreRelocation(8, 3, "0:1", FIELD_BYTE_SIZE),
        new CoreRelocation(16, 3, "0:0", FIELD_BYTE_SIZE)));

    assertEquals(3, result.applied());
    assertEquals(16, off(code, 0), "v[2] at 8 + 2 * 4");
    assertEquals(32, imm(code, 1));
    assertEquals(8, imm(code, 2));
  }

  @Test
  void computesBitfieldShiftsAndSignedness() {
    BtfBuilder l = new BtfBuilder();
    int u8 = l.integer("unsigned char", 1, false);
    l.bitfieldStruct("flags", 4, "a", u8, 0, 3, "b", u8, 3, 5);
    BtfBuilder t = new BtfBuilder();
    int tu8 = t.integer("unsigned char", 1, false);
    int s32 = t.integer("int", 4, true);
    t.bitfieldStruct("flags", 4, "b", tu8, 4, 2, "a", s32, 10, 3);
    byte[] code = insns(movImm(0), movImm(53), movImm(59), movImm(0));

    CoreResult result = new CoreRelocator(l.parse(), t.parse()).apply(code, 0, List.of(
        new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET), new CoreRelocation(8, 2, "0:1", FIELD_LSHIFT_U64),
        new CoreRelocation(16, 2, "0:1", FIELD_RSHIFT_U64), new CoreRelocation(24, 2, "0:0", FIELD_SIGNED)));

    assertEquals(4, result.applied());
    assertEquals(0, imm(code, 0));
    assertEquals(64 - (4 + 2), imm(code, 1));
    assertEquals(62, imm(code, 2));
    assertEquals(1, imm(code, 3));
  }

  @Test
  void skipsRelocationsOfOtherProgramsInTheSameSection() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    t.struct("task", 12, "x", u32, 0, "a", u32, 32, "b", u32, 64);
    byte[] program = insns(ldx(LDX_W, 4));

    CoreResult result = new CoreRelocator(localTask("task"), t.parse()).apply(program, 64, List.of(
        new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET), new CoreRelocation(64, 2, "0:1", FIELD_BYTE_OFFSET),
        new CoreRelocation(72, 2, "0:1", FIELD_BYTE_OFFSET)));

    assertEquals(1, result.applied());
    assertEquals(8, off(program, 0));
  }

  @Test
  void rejectsInstructionThatDoesNotHoldTheLocalValue() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    t.struct("task", 8, "a", u32, 0, "b", u32, 32);
    byte[] code = insns(ldx(LDX_DW, 40));

    CoreRelocationException e = assertThrows(CoreRelocationException.class, () ->
        new CoreRelocator(localTask("task"), t.parse()).apply(code, 0,
            List.of(new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET))));
    assertTrue(e.getMessage().contains("offset is 40"), e.getMessage());
  }

  @Test
  void rejectsMalformedAccessStringsAndTypeIds() {
    Btf local = localTask("task");
    CoreRelocator relocator = new CoreRelocator(local, local);
    for (String access : List.of("", "0:x", "0:5", "0:-1", "0::1")) {
      CoreRelocationException e = assertThrows(CoreRelocationException.class, () ->
          relocator.apply(insns(movImm(0)), 0, List.of(new CoreRelocation(0, 2, access, FIELD_BYTE_OFFSET))));
      assertTrue(e.getMessage().contains("access string"), e.getMessage());
    }
    assertThrows(CoreRelocationException.class, () ->
        relocator.apply(insns(movImm(0)), 0, List.of(new CoreRelocation(0, 9, "0:0", FIELD_BYTE_OFFSET))));
    assertThrows(CoreRelocationException.class, () ->
        relocator.apply(insns(movImm(0)), 0, List.of(new CoreRelocation(4, 2, "0:0", FIELD_BYTE_OFFSET))));
  }

  @Test
  void rejectsOffsetsTooLargeForALoad() {
    BtfBuilder t = new BtfBuilder();
    int u32 = t.integer("unsigned int", 4, false);
    int big = t.array(u32, u32, 20000);
    t.struct("task", 80008, "pad", big, 0, "a", u32, 640000, "b", u32, 640032);
    byte[] code = insns(ldx(LDX_W, 4));

    CoreRelocationException e = assertThrows(CoreRelocationException.class, () ->
        new CoreRelocator(localTask("task"), t.parse()).apply(code, 0,
            List.of(new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET))));
    assertTrue(e.getMessage().contains("80004"), e.getMessage());
  }
}
