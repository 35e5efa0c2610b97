package io.netdrop.bpf.elf;

import java.util.ArrayList;
import java.util.List;

/** Reads the section header table, resolving names and checking each section lies in the file. */
final class SectionHeaders {
  private SectionHeaders() {}

  private record Raw(
      long nameOffset,
      int type,
      long flags,
      long offset,
      long size,
      int link,
      int info,
      long entrySize) {}

  static List<ElfSection> read(ElfBytes bytes, ElfHeader header) {
    int count = header.sectionCount();
    List<Raw> raw = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long at = header.sectionHeaderOffset() + (long) i * ElfHeader.SECTION_HEADER_SIZE;
      String what = "section header #" + i;
      raw.add(
          new Raw(
              bytes.u32(at, what),
              (int) bytes.u32(at + 4, what),
              bytes.u64(at + 8, what),
              bytes.u64(at + 24, what),
              bytes.u64(at + 32, what),
              (int) bytes.u32(at + 40, what),
              (int) bytes.u32(at + 44, what),
              bytes.u64(at + 56, what)));
    }
    if (count == 0) {
      return List.of();
    }
    StringTable names =
        nameTable(bytes, raw.get(header.stringTableIndex()), header.stringTableIndex());
    List<ElfSection> sections = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Raw r = raw.get(i);
      String name = names.get(r.nameOffset(), "section #" + i);
      ElfSection section =
          new ElfSection(
              i,
              name,
              r.type(),
              r.flags(),
              r.offset(),
              r.size(),
              r.link(),
              r.info(),
              r.entrySize());
      if (section.type() != ElfSection.SHT_NOBITS && section.type() != ElfSection.SHT_NULL) {
        bytes.require(section.offset(), section.size(), "data of section " + describe(section));
      }
      sections.add(section);
    }
    return List.copyOf(sections);
  }

  private static StringTable nameTable(ElfBytes bytes, Raw table, int index) {
    if (index == 0 || table.type() != ElfSection.SHT_STRTAB) {
      throw new ElfFormatException(
          "ELF e_shstrndx is "
              + index
              + " but section #"
              + index
              + " is not a string table (type "
              + table.type()
              + ")");
    }
    String label = "#" + index + " (section names)";
    return new StringTable(
        bytes.slice(table.offset(), table.size(), "string table " + label), label);
  }

  static String describe(ElfSection section) {
    return "'" + section.name() + "' (#" + section.index() + ")";
  }
}
