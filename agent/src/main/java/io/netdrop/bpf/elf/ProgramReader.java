package io.netdrop.bpf.elf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts the global functions of executable sections into {@link ProgramSpec}s and turns their
 * relocations into map references. A function a program passes as a callback (an {@code ld_imm64}
 * of a function's address, as {@code bpf_loop(n, fn, ctx, 0)} compiles to) is appended to that
 * program and the load pointed at it ({@code BPF_PSEUDO_FUNC}), as the kernel expects. Anything
 * else the loader cannot link (calls to subprograms, global data, externs, callbacks that pass
 * callbacks) is rejected here, so a loaded program never carries an unresolved reference.
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

  /** A function of a section: a program (global) or a function programs may pass as callback. */
  private record Extent(
      ElfSymbol symbol,
      ElfSection section,
      int start,
      int end,
      List<MapReference> maps,
      List<KfuncCall> kfuncs,
      List<Callback> callbacks) {
    boolean isProgram() {
      return symbol.bind() == ElfSymbol.STB_GLOBAL;
    }

    String label() {
      return ProgramReader.label(symbol);
    }

    String at(long offset) {
      return label() + " instruction " + (offset - start) / SLOT;
    }
  }

  /** An {@code ld_imm64} at slot {@code index} of its function loading {@code section}'s {@code offset}. */
  private record Callback(int index, ElfSection section, long offset) {}

  static List<ProgramSpec> read(ElfFile elf, MapSymbols maps) {
    List<Extent> all = new ArrayList<>();
    Map<Extent, ByteBuffer> codes = new IdentityHashMap<>();
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
        if (extent.isProgram() && !names.add(extent.symbol().name())) {
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
        extent.maps().sort(Comparator.comparingInt(MapReference::instructionIndex));
        codes.put(extent, code);
      }
      all.addAll(extents);
    }
    List<ProgramSpec> programs = new ArrayList<>();
    for (Extent extent : all) {
      if (extent.isProgram()) {
        programs.add(assemble(extent, all, codes));
      }
    }
    return List.copyOf(programs);
  }

  /** The program's instructions with each function it passes as a callback appended once. */
  private static ProgramSpec assemble(Extent program, List<Extent> all, Map<Extent, ByteBuffer> codes) {
    byte[] instructions = bytes(program, codes);
    List<MapReference> mapRefs = new ArrayList<>(program.maps());
    List<KfuncCall> kfuncs = new ArrayList<>(program.kfuncs());
    List<Subprogram> subprograms = new ArrayList<>();
    Map<Extent, Integer> appended = new IdentityHashMap<>();
    for (Callback callback : program.callbacks()) {
      Extent target =
          all.stream()
              .filter(
                  e ->
                      e.section().index() == callback.section().index()
                          && e.start() == callback.offset())
              .findFirst()
              .orElseThrow(
                  () ->
                      new ElfFormatException(
                          program.at(program.start() + (long) callback.index() * SLOT)
                              + " loads address 0x" + Long.toHexString(callback.offset())
                              + " of section " + SectionHeaders.describe(callback.section())
                              + ", which is not the start of a function"));
      if (!target.callbacks().isEmpty()) {
        throw new ElfFormatException(
            target.label() + ", a callback of " + program.label()
                + ", passes callbacks itself: nested callbacks are not supported");
      }
      Integer start = appended.get(target);
      if (start == null) {
        start = instructions.length / SLOT;
        byte[] body = bytes(target, codes);
        instructions = Arrays.copyOf(instructions, instructions.length + body.length);
        System.arraycopy(body, 0, instructions, start * SLOT, body.length);
        for (MapReference m : target.maps()) {
          mapRefs.add(new MapReference(start + m.instructionIndex(), m.mapName()));
        }
        for (KfuncCall k : target.kfuncs()) {
          kfuncs.add(new KfuncCall(start + k.instructionIndex(), k.name()));
        }
        subprograms.add(
            new Subprogram(
                target.symbol().name(), target.section().name(), target.start(), start,
                body.length / SLOT));
        appended.put(target, start);
      }
      // As the kernel reads BPF_PSEUDO_FUNC: imm is the target's slot relative to the next one.
      int at = callback.index() * SLOT;
      instructions[at + 1] = (byte) ((instructions[at + 1] & 0x0f) | (BPF_PSEUDO_FUNC << 4));
      putInt(instructions, at + 4, start - callback.index() - 1);
      putInt(instructions, at + SLOT + 4, 0);
    }
    return new ProgramSpec(
        program.symbol().name(),
        program.section().name(),
        program.start(),
        instructions,
        mapRefs,
        kfuncs,
        subprograms);
  }

  private static byte[] bytes(Extent extent, Map<Extent, ByteBuffer> codes) {
    byte[] instructions = new byte[extent.end() - extent.start()];
    codes.get(extent).get(extent.start(), instructions);
    return instructions;
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  /**
   * The section's functions, checked to be whole instructions inside it, not overlapping: the
   * global ones are programs, the static ones are linked only as callbacks of programs.
   */
  private static List<Extent> extents(ElfFile elf, ElfSection section) {
    List<ElfSymbol> functions = new ArrayList<>();
    for (ElfSymbol symbol : elf.symbols()) {
      if (symbol.sectionIndex() == section.index()
          && symbol.type() == ElfSymbol.STT_FUNC
          && (symbol.bind() == ElfSymbol.STB_GLOBAL || symbol.bind() == ElfSymbol.STB_LOCAL)) {
        functions.add(symbol);
      }
    }
    functions.sort(Comparator.comparing(ElfSymbol::value, Long::compareUnsigned));
    List<Extent> extents = new ArrayList<>(functions.size());
    String where = " in section " + SectionHeaders.describe(section);
    for (ElfSymbol f : functions) {
      String label = label(f) + where;
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
            label + " overlaps " + extents.get(extents.size() - 1).label());
      }
      extents.add(
          new Extent(
              f, section, (int) start, (int) (start + size), new ArrayList<>(), new ArrayList<>(),
              new ArrayList<>()));
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

  /** "program 'x'" for a program (a global function), "function 'x'" for a callback. */
  private static String label(ElfSymbol f) {
    return (f.bind() == ElfSymbol.STB_GLOBAL ? "program '" : "function '") + f.name() + "'";
  }

  private static void checkInstructions(ByteBuffer code, Extent extent) {
    for (int at = extent.start(); at < extent.end(); at += SLOT) {
      int opcode = Byte.toUnsignedInt(code.get(at));
      int source = Byte.toUnsignedInt(code.get(at + 1)) >>> 4;
      if (opcode == OP_LD_IMM64) {
        if (source == BPF_PSEUDO_FUNC) {
          throw new ElfFormatException(
              extent.at(at) + " loads a function address without a relocation, which is not supported");
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
    if (target.isExecutable() && target.type() == ElfSection.SHT_PROGBITS) {
      int opcode = Byte.toUnsignedInt(code.get((int) offset));
      if (opcode != OP_LD_IMM64 || offset + 2 * SLOT > extent.end()) {
        throw new ElfFormatException(
            extent.at(offset) + " refers to function " + symbolName
                + " but is not an ld_imm64: calls to other functions are not supported");
      }
      // clang writes the byte offset into the target section as the immediate (against the
      // section symbol); a relocation against the function's own symbol carries its value.
      long addend = Integer.toUnsignedLong(code.getInt((int) offset + 4));
      extent.callbacks().add(
          new Callback((int) ((offset - extent.start()) / SLOT), target, symbol.value() + addend));
      return;
    }
    if (!maps.isMapSection(target.index())) {
      throw new ElfFormatException(
          extent.at(offset)
              + " references "
              + symbolName
              + " in section "
              + SectionHeaders.describe(target)
              + (target.isExecutable()
                  ? ": code outside a PROGBITS section is not supported"
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
