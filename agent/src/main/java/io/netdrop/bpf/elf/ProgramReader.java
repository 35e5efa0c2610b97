package io.netdrop.bpf.elf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cuts the global functions of executable sections into {@link ProgramSpec}s and turns their
 * relocations into map references. Anything the loader cannot link (subprograms, global data,
 * externs) is rejected here, so a loaded program never carries an unresolved reference.
 */
final class ProgramReader {
  /** {@code BPF_LD | BPF_IMM | BPF_DW}: the two-slot 64-bit immediate load. */
  private static final int OP_LD_IMM64 = 0x18;

  /** {@code BPF_JMP | BPF_CALL}. */
  private static final int OP_CALL = 0x85;

  /** {@code src_reg} of a call to another BPF function rather than a helper. */
  private static final int BPF_PSEUDO_CALL = 1;

  /** {@code src_reg} of an {@code ld_imm64} that loads a BPF function's address (callbacks). */
  private static final int BPF_PSEUDO_FUNC = 4;

  private static final int SLOT = ProgramSpec.INSTRUCTION_SIZE;

  private ProgramReader() {}

  private record Extent(
      ElfSymbol symbol, int start, int end, List<MapReference> maps, List<KfuncCall> kfuncs) {
    String label() {
      return "program '" + symbol.name() + "'";
    }

    String at(long offset) {
      return label() + " instruction " + (offset - start) / SLOT;
    }
  }

  static List<ProgramSpec> read(ElfFile elf, MapSymbols maps) {
    List<ProgramSpec> programs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ElfSection section : elf.sections()) {
      if (section.type() != ElfSection.SHT_PROGBITS || !section.isExecutable()) {
        continue;
      }
      List<Extent> extents = extents(elf, section);
      if (extents.isEmpty()) {
        continue;
      }
      rejectRela(elf, section);
      ByteBuffer code = elf.data(section);
      for (Extent extent : extents) {
        if (!names.add(extent.symbol().name())) {
          throw new ElfFormatException(
              "program name '" + extent.symbol().name() + "' is defined twice");
        }
        checkInstructions(code, extent);
      }
      for (ElfRelocation relocation : elf.relocations(section)) {
        link(elf, maps, section, code, extents, relocation);
      }
      for (Extent extent : extents) {
        rejectLocalCalls(code, extent);
      }
      for (Extent extent : extents) {
        byte[] instructions = new byte[extent.end() - extent.start()];
        code.get(extent.start(), instructions);
        extent.maps().sort(Comparator.comparingInt(MapReference::instructionIndex));
        programs.add(
            new ProgramSpec(
                extent.symbol().name(),
                section.name(),
                extent.start(),
                instructions,
                extent.maps(),
                extent.kfuncs()));
      }
    }
    return List.copyOf(programs);
  }

  /**
   * The section's global functions, checked to be whole instructions inside it, not overlapping.
   */
  private static List<Extent> extents(ElfFile elf, ElfSection section) {
    List<ElfSymbol> functions = new ArrayList<>();
    for (ElfSymbol symbol : elf.symbols()) {
      if (symbol.sectionIndex() == section.index()
          && symbol.type() == ElfSymbol.STT_FUNC
          && symbol.bind() == ElfSymbol.STB_GLOBAL) {
        functions.add(symbol);
      }
    }
    functions.sort(Comparator.comparing(ElfSymbol::value, Long::compareUnsigned));
    List<Extent> extents = new ArrayList<>(functions.size());
    String where = " in section " + SectionHeaders.describe(section);
    for (ElfSymbol f : functions) {
      String label = "program '" + f.name() + "'" + where;
      long start = f.value();
      long size = f.size();
      if (start < 0 || size < 0 || start > section.size() || size > section.size() - start) {
        throw new ElfFormatException(
            label
                + " at offset "
                + Long.toUnsignedString(start)
                + ", "
                + Long.toUnsignedString(size)
                + " bytes long, extends past the end of the section ("
                + section.size()
                + " bytes)");
      }
      if (size == 0) {
        throw new ElfFormatException(label + " has size 0");
      }
      if (start % SLOT != 0 || size % SLOT != 0) {
        throw new ElfFormatException(
            label
                + " at offset "
                + start
                + " is "
                + size
                + " bytes long; both must be multiples of "
                + SLOT
                + " (the instruction size)");
      }
      if (!extents.isEmpty() && start < extents.get(extents.size() - 1).end()) {
        throw new ElfFormatException(
            label + " overlaps program '" + extents.get(extents.size() - 1).symbol().name() + "'");
      }
      extents.add(
          new Extent(f, (int) start, (int) (start + size), new ArrayList<>(), new ArrayList<>()));
    }
    return extents;
  }

  private static void rejectRela(ElfFile elf, ElfSection section) {
    for (ElfSection s : elf.sections()) {
      if (s.type() == ElfSection.SHT_RELA && s.info() == section.index()) {
        throw new ElfFormatException(
            "relocation section "
                + SectionHeaders.describe(s)
                + " for program section "
                + SectionHeaders.describe(section)
                + " is SHT_RELA; BPF objects use SHT_REL");
      }
    }
  }

  private static void checkInstructions(ByteBuffer code, Extent extent) {
    for (int at = extent.start(); at < extent.end(); at += SLOT) {
      int opcode = Byte.toUnsignedInt(code.get(at));
      int source = Byte.toUnsignedInt(code.get(at + 1)) >>> 4;
      if (opcode == OP_LD_IMM64) {
        if (source == BPF_PSEUDO_FUNC) {
          throw new ElfFormatException(
              extent.at(at) + " loads a function address: callbacks are not supported");
        }
        if (at + 2 * SLOT > extent.end()) {
          throw new ElfFormatException(
              extent.at(at) + " is an ld_imm64 cut off by the end of the program");
        }
        at += SLOT;
      }
    }
  }

  /** A pseudo call that is not a kfunc call is a BPF-to-BPF call, which the loader does not link. */
  private static void rejectLocalCalls(ByteBuffer code, Extent extent) {
    for (int at = extent.start(); at < extent.end(); at += SLOT) {
      int opcode = Byte.toUnsignedInt(code.get(at));
      int source = Byte.toUnsignedInt(code.get(at + 1)) >>> 4;
      int index = (at - extent.start()) / SLOT;
      if (opcode == OP_CALL
          && source == BPF_PSEUDO_CALL
          && extent.kfuncs().stream().noneMatch(k -> k.instructionIndex() == index)) {
        throw new ElfFormatException(
            extent.at(at)
                + " is a BPF-to-BPF call: subprograms are not supported"
                + " (the BPF source must inline every function)");
      }
      if (opcode == OP_LD_IMM64) {
        at += SLOT;
      }
    }
  }

  private static void link(
      ElfFile elf,
      MapSymbols maps,
      ElfSection section,
      ByteBuffer code,
      List<Extent> extents,
      ElfRelocation relocation) {
    long offset = relocation.offset();
    Extent extent =
        extents.stream()
            .filter(e -> offset >= e.start() && offset < e.end())
            .findFirst()
            .orElseThrow(
                () ->
                    new ElfFormatException(
                        "relocation at offset 0x"
                            + Long.toHexString(offset)
                            + " in section "
                            + SectionHeaders.describe(section)
                            + " lies outside every program"));
    if (offset % SLOT != 0) {
      throw new ElfFormatException(
          extent.label()
              + ": relocation at offset 0x"
              + Long.toHexString(offset)
              + " is not on an instruction boundary");
    }
    ElfSymbol symbol = elf.symbols().get(relocation.symbolIndex());
    String symbolName = "symbol '" + symbol.name() + "' (#" + symbol.index() + ")";
    if (relocation.type() == ElfRelocation.R_BPF_64_32
        && symbol.sectionIndex() == ElfSymbol.SHN_UNDEF
        && Byte.toUnsignedInt(code.get((int) offset)) == OP_CALL) {
      // A call to an extern kernel function (`extern ... __ksym`): resolved against kernel BTF.
      extent.kfuncs().add(new KfuncCall((int) ((offset - extent.start()) / SLOT), symbol.name()));
      return;
    }
    if (relocation.type() == ElfRelocation.R_BPF_64_32) {
      throw new ElfFormatException(
          extent.at(offset)
              + " has an R_BPF_64_32 call relocation to "
              + symbolName
              + ": subprograms are not supported (the BPF source must inline every function)");
    }
    if (relocation.type() != ElfRelocation.R_BPF_64_64) {
      throw new ElfFormatException(
          extent.at(offset)
              + " has unsupported relocation type "
              + relocation.type()
              + " against "
              + symbolName);
    }
    if (!symbol.isInSection()) {
      throw new ElfFormatException(
          extent.at(offset)
              + " references "
              + (symbol.sectionIndex() == ElfSymbol.SHN_UNDEF
                  ? "extern " + symbolName + ": externs (.kconfig, .ksyms) are not supported"
                  : symbolName
                      + " with special section index 0x"
                      + Integer.toHexString(symbol.sectionIndex())
                      + ", which is not supported"));
    }
    ElfSection target = elf.section(symbol.sectionIndex());
    if (!maps.isMapSection(target.index())) {
      throw new ElfFormatException(
          extent.at(offset)
              + " references "
              + symbolName
              + " in section "
              + SectionHeaders.describe(target)
              + (target.isExecutable()
                  ? ": calls and callbacks to other functions are not supported"
                  : ": global data is not supported (only maps in .maps)"));
    }
    int opcode = Byte.toUnsignedInt(code.get((int) offset));
    if (opcode != OP_LD_IMM64 || offset + 2 * SLOT > extent.end()) {
      throw new ElfFormatException(
          extent.at(offset)
              + " has a map relocation to "
              + symbolName
              + " but is not an ld_imm64 (opcode 0x"
              + Integer.toHexString(opcode)
              + ")");
    }
    long addend = Integer.toUnsignedLong(code.getInt((int) offset + 4));
    String mapName =
        maps.resolve(symbol, addend)
            .orElseThrow(
                () ->
                    new ElfFormatException(
                        extent.at(offset)
                            + " references "
                            + symbolName
                            + " in .maps, which is not a map"
                            + " definition"));
    extent.maps().add(new MapReference((int) ((offset - extent.start()) / SLOT), mapName));
  }
}
