package io.netdrop.bpf.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ElfFileTest {
  private static ElfFile parse(byte[] bytes) {
    return ElfFile.parse(ByteBuffer.wrap(bytes));
  }

  private static String rejectionOf(Consumer<ObjectPatcher> patch) {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    patch.accept(patcher);
    return assertThrows(ElfFormatException.class, () -> parse(patcher.bytes())).getMessage();
  }

  private static void assertContains(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }
  }

  @Test
  void indexesSectionsByPositionAndName() {
    ElfFile elf = parse(ObjectPatcher.realObject());
    List<ElfSection> sections = elf.sections();
    assertFalse(sections.isEmpty());
    for (int i = 0; i < sections.size(); i++) {
      assertEquals(i, sections.get(i).index());
      assertEquals(sections.get(i), elf.section(i));
    }
    assertEquals("", elf.section(0).name());
    ElfSection code = elf.section("tp_btf/kfree_skb").orElseThrow();
    assertEquals(ElfSection.SHT_PROGBITS, code.type());
    assertTrue(code.isExecutable());
    assertFalse(elf.section(".BTF").orElseThrow().isExecutable());
    assertTrue(elf.section("no-such-section").isEmpty());
  }

  @Test
  void readsSymbolsWithNamesTypesAndSections() {
    ElfFile elf = parse(ObjectPatcher.realObject());
    List<ElfSymbol> symbols = elf.symbols();
    assertEquals(0, symbols.get(0).index());
    assertEquals("", symbols.get(0).name());
    for (int i = 0; i < symbols.size(); i++) {
      assertEquals(i, symbols.get(i).index());
    }
    ElfSymbol program =
        symbols.stream().filter(s -> s.name().equals("nd_kfree_skb")).findFirst().orElseThrow();
    assertEquals(ElfSymbol.STT_FUNC, program.type());
    assertEquals(ElfSymbol.STB_GLOBAL, program.bind());
    assertEquals("tp_btf/kfree_skb", elf.section(program.sectionIndex()).name());
    ElfSymbol map =
        symbols.stream().filter(s -> s.name().equals("events")).findFirst().orElseThrow();
    assertEquals(ElfSymbol.STT_OBJECT, map.type());
    assertEquals(".maps", elf.section(map.sectionIndex()).name());
  }

  @Test
  void findsRelocationsOfTheTargetSectionOnly() {
    ElfFile elf = parse(ObjectPatcher.realObject());
    ElfSection code = elf.section("tp_btf/kfree_skb").orElseThrow();
    ElfSection table = elf.section(".reltp_btf/kfree_skb").orElseThrow();
    List<ElfRelocation> relocations = elf.relocations(code);
    assertEquals(table.size() / 16, relocations.size());
    for (ElfRelocation r : relocations) {
      assertTrue(r.offset() < code.size());
      ElfSymbol symbol = elf.symbols().get(r.symbolIndex());
      if (r.type() == ElfRelocation.R_BPF_64_32) {
        // a call to an extern kernel function (kfunc): an undefined symbol
        assertEquals(ElfSymbol.SHN_UNDEF, symbol.sectionIndex(), symbol.name());
      } else {
        assertEquals(ElfRelocation.R_BPF_64_64, r.type());
        assertEquals(".maps", elf.section(symbol.sectionIndex()).name());
      }
    }
    assertTrue(elf.relocations(elf.section("license").orElseThrow()).isEmpty());
  }

  @Test
  void givesReadOnlyLittleEndianSectionData() {
    ElfFile elf = parse(ObjectPatcher.realObject());
    ByteBuffer btf = elf.data(elf.section(".BTF").orElseThrow());
    assertTrue(btf.isReadOnly());
    assertEquals(ByteOrder.LITTLE_ENDIAN, btf.order());
    assertEquals(0, btf.position());
    assertEquals(elf.section(".BTF").orElseThrow().size(), btf.remaining());
    assertEquals(0xeb9f, Short.toUnsignedInt(btf.getShort(0)), "BTF magic");
  }

  @Test
  void parsesFromTheBufferPositionWithoutMovingIt() {
    byte[] object = ObjectPatcher.realObject();
    byte[] padded = new byte[object.length + 16];
    System.arraycopy(object, 0, padded, 16, object.length);
    ByteBuffer buffer = ByteBuffer.wrap(padded).position(16);
    ElfFile elf = ElfFile.parse(buffer);
    assertEquals(16, buffer.position());
    assertEquals(parse(object).sections(), elf.sections());
  }

  @Test
  void rejectsSectionsOfAnotherFile() {
    ElfFile elf = parse(ObjectPatcher.realObject());
    ElfSection forged =
        new ElfSection(3, "forged", ElfSection.SHT_PROGBITS, 0, 0, 1 << 30, 0, 0, 0);
    assertThrows(IllegalArgumentException.class, () -> elf.data(forged));
    assertThrows(IllegalArgumentException.class, () -> elf.relocations(forged));
  }

  @Test
  void rejectsSectionIndexOutOfRangeWithCount() {
    ElfFile elf = parse(ObjectPatcher.realObject());
    String message =
        assertThrows(ElfFormatException.class, () -> elf.section(elf.sections().size()))
            .getMessage();
    assertContains(message, "no section #" + elf.sections().size());
  }

  @Test
  void rejectsEmptyInput() {
    String message = assertThrows(ElfFormatException.class, () -> parse(new byte[0])).getMessage();
    assertContains(message, "too short", "0 bytes");
  }

  @Test
  void rejectsWrongMagic() {
    assertContains(rejectionOf(p -> p.u8(1, 'X')), "not an ELF file", "7f 58 4c 46");
  }

  @Test
  void rejectsElfClass32() {
    assertContains(rejectionOf(p -> p.u8(4, 1)), "ELFCLASS32");
  }

  @Test
  void rejectsBigEndian() {
    assertContains(rejectionOf(p -> p.u8(5, 2)), "big-endian");
  }

  @Test
  void rejectsWrongMachineNamingIt() {
    assertContains(rejectionOf(p -> p.u16(18, 62)), "e_machine is 62", "EM_BPF (247)");
  }

  @Test
  void rejectsExecutableFiles() {
    assertContains(rejectionOf(p -> p.u16(16, 2)), "ELF type 2", "ET_REL");
  }

  @Test
  void rejectsSectionTablePastEndOfFile() {
    byte[] object = ObjectPatcher.realObject();
    assertContains(
        rejectionOf(p -> p.u64(40, object.length - 100)),
        "section header table",
        "past the end of the file");
    assertContains(rejectionOf(p -> p.u64(40, -1L)), "section header table", "past the end");
    assertContains(rejectionOf(p -> p.u16(60, 0xffff)), "section header table", "65535 entries");
  }

  @Test
  void rejectsWrongSectionHeaderSize() {
    assertContains(rejectionOf(p -> p.u16(58, 40)), "e_shentsize is 40");
  }

  @Test
  void rejectsSectionNameTableIndexOutOfRange() {
    assertContains(rejectionOf(p -> p.u16(62, 200)), "e_shstrndx is 200");
  }

  @Test
  void rejectsSectionNameTableThatIsNotAStringTable() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int btf = patcher.section(".BTF").index();
    assertContains(rejectionOf(p -> p.u16(62, btf)), "e_shstrndx is " + btf, "not a string table");
  }

  @Test
  void rejectsNameOffsetPastStringTable() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int at = patcher.sectionHeader("tp_btf/kfree_skb");
    int index = patcher.section("tp_btf/kfree_skb").index();
    assertContains(
        rejectionOf(p -> p.u32(at, 0xffffff)),
        "name offset 16777215 of section #" + index,
        "past the end of string table");
  }

  @Test
  void rejectsSectionDataPastEndOfFileNamingTheSection() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int at = patcher.sectionHeader(".BTF");
    assertContains(
        rejectionOf(p -> p.u64(at + 32, 1L << 40)),
        "data of section '.BTF'",
        "past the end of the file");
  }

  @Test
  void rejectsSymbolSectionIndexOutOfRange() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int at = patcher.symbolEntry("nd_kfree_skb");
    assertContains(
        rejectionOf(p -> p.u16(at + 6, 500)), "symbol 'nd_kfree_skb'", "section index 500");
  }

  @Test
  void rejectsSymbolNamePastStringTable() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int at = patcher.symbolEntry("events");
    int index = patcher.symbol("events").index();
    assertContains(rejectionOf(p -> p.u32(at, 0x7fffffff)), "symbol #" + index, "string table");
  }

  @Test
  void rejectsWrongSymbolEntrySize() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int at = patcher.sectionHeader(".symtab");
    assertContains(rejectionOf(p -> p.u64(at + 56, 16)), "'.symtab'", "entry size 16");
  }

  @Test
  void rejectsRelocationSymbolIndexOutOfRange() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int at = patcher.relocationEntry(".reltp_btf/kfree_skb", 2);
    patcher.u32(at + 12, 9999);
    ElfFile elf = parse(patcher.bytes());
    ElfSection code = elf.section("tp_btf/kfree_skb").orElseThrow();
    String message =
        assertThrows(ElfFormatException.class, () -> elf.relocations(code)).getMessage();
    assertContains(message, "relocation #2 in '.reltp_btf/kfree_skb'", "symbol #9999");
  }

  @Test
  void rejectsRelocationOffsetPastTargetSection() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    patcher.u64(patcher.relocationEntry(".reltp_btf/kfree_skb", 0), 1L << 33);
    ElfFile elf = parse(patcher.bytes());
    ElfSection code = elf.section("tp_btf/kfree_skb").orElseThrow();
    String message =
        assertThrows(ElfFormatException.class, () -> elf.relocations(code)).getMessage();
    assertContains(message, "relocation #0", "past the end of section 'tp_btf/kfree_skb'");
  }

  @Test
  void rejectsWrongRelocationEntrySize() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    patcher.u64(patcher.sectionHeader(".reltp_btf/kfree_skb") + 56, 24);
    ElfFile elf = parse(patcher.bytes());
    ElfSection code = elf.section("tp_btf/kfree_skb").orElseThrow();
    String message =
        assertThrows(ElfFormatException.class, () -> elf.relocations(code)).getMessage();
    assertContains(message, "'.reltp_btf/kfree_skb'", "entry size 24");
  }

  @Test
  void rejectsTruncatedFilesAtEveryHeaderLengthAndAcrossTheFile() {
    byte[] object = ObjectPatcher.realObject();
    for (int length = 0; length < object.length; length += length < 128 ? 1 : 997) {
      byte[] truncated = Arrays.copyOf(object, length);
      int at = length;
      ElfFormatException e =
          assertThrows(ElfFormatException.class, () -> parse(truncated), () -> "length " + at);
      assertTrue(
          e.getMessage().contains("too short") || e.getMessage().contains("past the end"),
          e.getMessage());
    }
  }
}
