package io.netdrop.bpf.elf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The map definitions in {@code .maps}: one named symbol per BTF-defined map. */
final class MapSymbols {
  static final String SECTION_NAME = ".maps";

  private final int sectionIndex;
  private final List<ElfSymbol> symbols;

  private MapSymbols(int sectionIndex, List<ElfSymbol> symbols) {
    this.sectionIndex = sectionIndex;
    this.symbols = symbols;
  }

  static MapSymbols of(ElfFile elf) {
    Optional<ElfSection> maps = elf.section(SECTION_NAME);
    if (maps.isEmpty()) {
      return new MapSymbols(-1, List.of());
    }
    int index = maps.get().index();
    List<ElfSymbol> found = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ElfSymbol symbol : elf.symbols()) {
      if (symbol.sectionIndex() == index && isMapDefinition(symbol)) {
        if (!names.add(symbol.name())) {
          throw new ElfFormatException("map '" + symbol.name() + "' is defined twice in .maps");
        }
        found.add(symbol);
      }
    }
    found.sort(
        Comparator.comparing(ElfSymbol::value, Long::compareUnsigned)
            .thenComparingInt(ElfSymbol::index));
    return new MapSymbols(index, List.copyOf(found));
  }

  private static boolean isMapDefinition(ElfSymbol symbol) {
    return !symbol.name().isEmpty()
        && symbol.type() != ElfSymbol.STT_SECTION
        && symbol.type() != ElfSymbol.STT_FILE;
  }

  /** Whether {@code section} is the {@code .maps} section. */
  boolean isMapSection(int section) {
    return section == sectionIndex;
  }

  List<String> names() {
    return symbols.stream().map(ElfSymbol::name).toList();
  }

  /**
   * The map named by a relocation's symbol: the symbol itself, or for a relocation against the
   * section symbol, the map starting at the addend the compiler left in the instruction.
   */
  Optional<String> resolve(ElfSymbol symbol, long addend) {
    if (symbol.type() == ElfSymbol.STT_SECTION) {
      return symbols.stream().filter(s -> s.value() == addend).map(ElfSymbol::name).findFirst();
    }
    return symbols.stream()
        .filter(s -> s.index() == symbol.index())
        .map(ElfSymbol::name)
        .findFirst();
  }
}
