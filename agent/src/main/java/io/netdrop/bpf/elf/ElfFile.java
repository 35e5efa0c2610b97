package io.netdrop.bpf.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed ELF64 little-endian {@code EM_BPF} relocatable object: its sections, symbols and
 * relocations. Parsing checks the header, the section header table, every section name and every
 * section's extent against the buffer, and the symbol table; relocation tables are checked when
 * {@link #relocations} reads them. Every problem is reported as an {@link ElfFormatException}
 * naming what is wrong. Instances are immutable and thread-safe.
 */
public final class ElfFile {
  private final ElfBytes bytes;
  private final List<ElfSection> sections;
  private final ElfSection symbolTable;
  private final List<ElfSymbol> symbols;

  private ElfFile(
      ElfBytes bytes, List<ElfSection> sections, ElfSection symbolTable, List<ElfSymbol> symbols) {
    this.bytes = bytes;
    this.sections = sections;
    this.symbolTable = symbolTable;
    this.symbols = symbols;
  }

  /**
   * Parses the bytes from {@code data}'s position to its limit; {@code data} itself is not
   * modified. The file keeps a view of those bytes, so they must not change afterwards.
   *
   * @throws ElfFormatException if the bytes are not an ELF64 little-endian EM_BPF relocatable
   *     object or are inconsistent; the message names what was found
   */
  public static ElfFile parse(ByteBuffer data) {
    Objects.requireNonNull(data, "data");
    ElfBytes bytes = new ElfBytes(data);
    List<ElfSection> sections = SectionHeaders.read(bytes, ElfHeader.parse(bytes));
    ElfSection symbolTable = SymbolTable.find(sections);
    List<ElfSymbol> symbols =
        symbolTable == null ? List.of() : SymbolTable.read(bytes, sections, symbolTable);
    return new ElfFile(bytes, sections, symbolTable, symbols);
  }

  /** All sections in header-table order, so {@code sections().get(i).index() == i}. */
  public List<ElfSection> sections() {
    return sections;
  }

  /** The first section called {@code name}, if any. */
  public Optional<ElfSection> section(String name) {
    Objects.requireNonNull(name, "name");
    return sections.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * The section at {@code index}.
   *
   * @throws ElfFormatException if there is no such section (indexes usually come from the file)
   */
  public ElfSection section(int index) {
    if (index < 0 || index >= sections.size()) {
      throw new ElfFormatException(
          "no section #" + index + ": the file has " + sections.size() + " sections");
    }
    return sections.get(index);
  }

  /** The {@code .symtab} entries in table order, including the null symbol 0; empty if none. */
  public List<ElfSymbol> symbols() {
    return symbols;
  }

  /**
   * The entries of every {@code SHT_REL} section whose {@code sh_info} is {@code target}'s index,
   * in file order. Each entry's symbol index and offset are checked against the symbol table and
   * the target section.
   *
   * @throws ElfFormatException if such a relocation section is malformed
   * @throws IllegalArgumentException if {@code target} is not a section of this file
   */
  public List<ElfRelocation> relocations(ElfSection target) {
    checkOwned(target);
    List<ElfRelocation> result = new ArrayList<>();
    for (ElfSection section : sections) {
      if (section.type() == ElfSection.SHT_REL && section.info() == target.index()) {
        result.addAll(RelocationTable.read(bytes, section, target, symbolTable, symbols.size()));
      }
    }
    return List.copyOf(result);
  }

  /**
   * A read-only little-endian view of the section's bytes, positioned at 0; each call returns a new
   * view. {@code SHT_NOBITS} (and {@code SHT_NULL}) sections give an empty buffer.
   *
   * @throws IllegalArgumentException if {@code section} is not a section of this file
   */
  public ByteBuffer data(ElfSection section) {
    checkOwned(section);
    if (section.type() == ElfSection.SHT_NOBITS || section.type() == ElfSection.SHT_NULL) {
      return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    return bytes.slice(
        section.offset(), section.size(), "data of section " + SectionHeaders.describe(section));
  }

  private void checkOwned(ElfSection section) {
    Objects.requireNonNull(section, "section");
    int index = section.index();
    if (index < 0 || index >= sections.size() || !sections.get(index).equals(section)) {
      throw new IllegalArgumentException(
          "section " + SectionHeaders.describe(section) + " does not belong to this file");
    }
  }
}
