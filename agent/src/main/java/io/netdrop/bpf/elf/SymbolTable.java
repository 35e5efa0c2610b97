package io.netdrop.bpf.elf;

import java.util.ArrayList;
import java.util.List;

/** Reads {@code .symtab}, checking entry size, names and section indexes. */
final class SymbolTable {
  static final int ENTRY_SIZE = 24;
  private static final int SHN_LORESERVE = 0xff00;
  private static final int SHN_XINDEX = 0xffff;

  private SymbolTable() {}

  /** Returns the only {@code SHT_SYMTAB} section, or {@code null} if there is none. */
  static ElfSection find(List<ElfSection> sections) {
    ElfSection found = null;
    for (ElfSection section : sections) {
      if (section.type() == ElfSection.SHT_SYMTAB) {
        if (found != null) {
          throw new ElfFormatException(
              "more than one symbol table: sections "
                  + SectionHeaders.describe(found)
                  + " and "
                  + SectionHeaders.describe(section));
        }
        found = section;
      }
    }
    return found;
  }

  static List<ElfSymbol> read(ElfBytes bytes, List<ElfSection> sections, ElfSection table) {
    String label = SectionHeaders.describe(table);
    if (table.entrySize() != ENTRY_SIZE) {
      throw new ElfFormatException(
          "symbol table "
              + label
              + " has entry size "
              + Long.toUnsignedString(table.entrySize())
              + ", expected "
              + ENTRY_SIZE);
    }
    if (table.size() % ENTRY_SIZE != 0) {
      throw new ElfFormatException(
          "symbol table "
              + label
              + " size "
              + table.size()
              + " is not a multiple of "
              + ENTRY_SIZE);
    }
    ElfSection strings = stringSection(sections, table);
    String stringsLabel = SectionHeaders.describe(strings);
    StringTable names =
        new StringTable(
            bytes.slice(strings.offset(), strings.size(), "string table " + stringsLabel),
            stringsLabel);
    int count = (int) (table.size() / ENTRY_SIZE);
    List<ElfSymbol> symbols = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long at = table.offset() + (long) i * ENTRY_SIZE;
      String what = "symbol #" + i + " in " + label;
      String name = names.get(bytes.u32(at, what), what);
      int info = bytes.u8(at + 4, what);
      int sectionIndex = bytes.u16(at + 6, what);
      String owner = "symbol '" + name + "' (#" + i + ")";
      if (sectionIndex == SHN_XINDEX) {
        throw new ElfFormatException(
            owner + " uses extended section indexes (SHN_XINDEX), which are not supported");
      }
      if (sectionIndex < SHN_LORESERVE && sectionIndex >= sections.size()) {
        throw new ElfFormatException(
            owner
                + " has section index "
                + sectionIndex
                + " but the file has only "
                + sections.size()
                + " sections");
      }
      symbols.add(
          new ElfSymbol(
              i,
              name,
              bytes.u64(at + 8, what),
              bytes.u64(at + 16, what),
              info & 0xf,
              info >>> 4,
              sectionIndex));
    }
    return List.copyOf(symbols);
  }

  private static ElfSection stringSection(List<ElfSection> sections, ElfSection table) {
    int link = table.link();
    if (link <= 0
        || link >= sections.size()
        || sections.get(link).type() != ElfSection.SHT_STRTAB) {
      throw new ElfFormatException(
          "symbol table "
              + SectionHeaders.describe(table)
              + " links to section "
              + Integer.toUnsignedString(link)
              + ", which is not a string table");
    }
    return sections.get(link);
  }
}
