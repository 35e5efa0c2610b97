package io.netdrop.bpf.elf;

import java.util.ArrayList;
import java.util.List;

/** Reads one {@code SHT_REL} section, checking entry size, symbol indexes and offsets. */
final class RelocationTable {
  static final int ENTRY_SIZE = 16;

  private RelocationTable() {}

  static List<ElfRelocation> read(
      ElfBytes bytes,
      ElfSection table,
      ElfSection target,
      ElfSection symbolTable,
      int symbolCount) {
    String label = SectionHeaders.describe(table);
    if (table.entrySize() != ENTRY_SIZE) {
      throw new ElfFormatException(
          "relocation section "
              + label
              + " has entry size "
              + Long.toUnsignedString(table.entrySize())
              + ", expected "
              + ENTRY_SIZE);
    }
    if (table.size() % ENTRY_SIZE != 0) {
      throw new ElfFormatException(
          "relocation section "
              + label
              + " size "
              + table.size()
              + " is not a multiple of "
              + ENTRY_SIZE);
    }
    if (symbolTable == null || table.link() != symbolTable.index()) {
      throw new ElfFormatException(
          "relocation section "
              + label
              + " links to section "
              + Integer.toUnsignedString(table.link())
              + ", which is not the symbol table");
    }
    int count = (int) (table.size() / ENTRY_SIZE);
    List<ElfRelocation> relocations = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long at = table.offset() + (long) i * ENTRY_SIZE;
      String what = "relocation #" + i + " in " + label;
      long offset = bytes.u64(at, what);
      long info = bytes.u64(at + 8, what);
      long symbol = info >>> 32;
      if (symbol >= symbolCount) {
        throw new ElfFormatException(
            what
                + " refers to symbol #"
                + symbol
                + " but the symbol table has only "
                + symbolCount
                + " entries");
      }
      if (offset < 0 || offset >= target.size()) {
        throw new ElfFormatException(
            what
                + " has offset 0x"
                + Long.toHexString(offset)
                + " past the end of section "
                + SectionHeaders.describe(target)
                + " ("
                + target.size()
                + " bytes)");
      }
      relocations.add(new ElfRelocation(offset, (int) symbol, (int) info));
    }
    return List.copyOf(relocations);
  }
}
