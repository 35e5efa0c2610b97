package io.netdrop.bpf.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BpfObjectFileTest {
  private static final List<String> PROGRAMS =
      List.of(
          "nd_sock_create",
          "nd_post_bind4",
          "nd_post_bind6",
          "nd_getpeername4",
          "nd_getpeername6",
          "nd_sock_ops",
          "nd_kfree_skb",
          "nd_kfree_skb_norx",
          "nd_kfree_skb_tp",
          "nd_net_dev_queue",
          "nd_net_dev_queue_tp",
          "nd_release");
  private static final Set<String> MAPS =
      Set.of(
          "creating",
          "sockets",
          "ports",
          "tuples",
          "port_hint",
          "counts",
          "stats",
          "limiter",
          "config",
          "releasing",
          "events");
  private static final int OP_LD_IMM64 = 0x18;
  private static final int OP_EXIT = 0x95;
  private static final int OP_JA = 0x05;
  private static final int OP_CALL = 0x85;

  private static BpfObjectFile real() {
    return BpfObjectFile.parse(ObjectPatcher.realObject());
  }

  private static String rejectionOf(Consumer<ObjectPatcher> patch) {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    patch.accept(patcher);
    return assertThrows(ElfFormatException.class, () -> BpfObjectFile.parse(patcher.bytes()))
        .getMessage();
  }

  private static void assertContains(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }
  }

  @Test
  void findsEveryProgramOfTheRealObject() {
    BpfObjectFile object = real();
    assertEquals(
        Set.copyOf(PROGRAMS),
        object.programs().stream().map(ProgramSpec::name).collect(Collectors.toSet()));
    assertEquals(PROGRAMS.size(), object.programs().size());
    assertEquals(
        "tracepoint/skb/kfree_skb", object.program("nd_kfree_skb_tp").orElseThrow().sectionName());
    assertEquals(
        "tp_btf/net_dev_queue", object.program("nd_net_dev_queue").orElseThrow().sectionName());
    assertEquals(
        "tracepoint/net/net_dev_queue",
        object.program("nd_net_dev_queue_tp").orElseThrow().sectionName());
    assertTrue(object.program("missing").isEmpty());
  }

  @Test
  void splitsOneSectionIntoSeveralProgramsAtTheirSymbolOffsets() {
    BpfObjectFile object = real();
    ProgramSpec first = object.program("nd_kfree_skb").orElseThrow();
    ProgramSpec second = object.program("nd_kfree_skb_norx").orElseThrow();
    assertEquals("tp_btf/kfree_skb", first.sectionName());
    assertEquals("tp_btf/kfree_skb", second.sectionName());
    assertNotEquals(first.sectionOffset(), second.sectionOffset());

    ElfFile elf = object.elf();
    ElfSection section = elf.section("tp_btf/kfree_skb").orElseThrow();
    ByteBuffer code = elf.data(section);
    for (ProgramSpec program : List.of(first, second)) {
      ElfSymbol symbol =
          elf.symbols().stream()
              .filter(s -> s.name().equals(program.name()))
              .findFirst()
              .orElseThrow();
      assertEquals(symbol.value(), program.sectionOffset());
      assertEquals(symbol.size(), program.instructions().length);
      byte[] expected = new byte[program.instructions().length];
      code.get(program.sectionOffset(), expected);
      assertArrayEquals(expected, program.instructions());
    }
  }

  @Test
  void pointsKernelFunctionCallsAtTheirCallInstructions() {
    BpfObjectFile object = real();
    for (String name : List.of("nd_kfree_skb", "nd_kfree_skb_norx")) {
      ProgramSpec program = object.program(name).orElseThrow();
      assertFalse(program.kfuncCalls().isEmpty(), name + " reads headers through bpf_rdonly_cast");
      byte[] code = program.instructions();
      for (KfuncCall call : program.kfuncCalls()) {
        assertEquals("bpf_rdonly_cast", call.name());
        assertEquals(0x85, Byte.toUnsignedInt(code[call.instructionIndex() * 8]), "a call");
      }
    }
    // The classic tracepoint variant reads with bpf_probe_read_kernel and calls no kfunc.
    assertTrue(object.program("nd_kfree_skb_tp").orElseThrow().kfuncCalls().isEmpty());
  }

  @Test
  void endsEveryProgramWhereTheVerifierRequires() {
    // The verifier rejects a program whose last instruction is not an exit or a jump, so a
    // program cut at the wrong symbol boundary shows up here.
    for (ProgramSpec program : real().programs()) {
      byte[] code = program.instructions();
      assertTrue(code.length > 0 && code.length % 8 == 0, program.name());
      int last = Byte.toUnsignedInt(code[code.length - 8]);
      assertTrue(last == OP_EXIT || last == OP_JA, program.name() + " ends with opcode " + last);
      assertEquals(code.length / 8, program.instructionCount());
    }
  }

  @Test
  void pointsMapReferencesAtLdImm64OfRealMaps() {
    BpfObjectFile object = real();
    Set<String> used = new HashSet<>();
    int references = 0;
    for (ProgramSpec program : object.programs()) {
      byte[] code = program.instructions();
      int previous = -1;
      for (MapReference ref : program.mapReferences()) {
        assertTrue(ref.instructionIndex() > previous, "sorted by instruction");
        previous = ref.instructionIndex();
        assertEquals(
            OP_LD_IMM64,
            Byte.toUnsignedInt(code[ref.instructionIndex() * 8]),
            program.name() + " instruction " + ref.instructionIndex());
        assertTrue(MAPS.contains(ref.mapName()), ref.mapName());
        used.add(ref.mapName());
      }
      references += program.mapReferences().size();
    }
    assertEquals(MAPS, used);
    ElfFile elf = object.elf();
    int relocations =
        elf.sections().stream()
            .filter(ElfSection::isExecutable)
            .mapToLong(
                s ->
                    elf.relocations(s).stream()
                        .filter(r -> r.type() == ElfRelocation.R_BPF_64_64)
                        .filter(r -> !isFunction(elf, r)) // a callback's address, not a map
                        .count())
            .mapToInt(Math::toIntExact)
            .sum();
    assertEquals(relocations, references, "one map reference per R_BPF_64_64 program relocation");
  }

  private static boolean isFunction(ElfFile elf, ElfRelocation r) {
    return elf.section(elf.symbols().get(r.symbolIndex()).sectionIndex()).isExecutable();
  }

  @Test
  void appendsTheLoopCallbackToItsProgramAndPointsTheLoadAtIt() {
    BpfObjectFile object = real();
    ProgramSpec release = object.program("nd_release").orElseThrow();
    assertEquals("syscall", release.sectionName());
    assertEquals(1, release.subprograms().size());
    Subprogram callback = release.subprograms().get(0);
    assertEquals("release_one", callback.name());
    assertEquals(".text", callback.sectionName());
    ElfSymbol own = object.elf().symbols().stream()
        .filter(s -> s.name().equals("nd_release")).findFirst().orElseThrow();
    ElfSymbol fn = object.elf().symbols().stream()
        .filter(s -> s.name().equals("release_one")).findFirst().orElseThrow();
    assertEquals(own.size() / 8, callback.instructionIndex(), "appended right after the program");
    assertEquals(callback.instructionIndex(), release.ownInstructionCount());
    assertEquals(fn.size() / 8, callback.instructionCount());
    assertEquals(release.instructionCount(), callback.instructionIndex() + callback.instructionCount());

    byte[] code = release.instructions();
    ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
    int loads = 0;
    for (int i = 0; i < callback.instructionIndex(); i++) {
      if (Byte.toUnsignedInt(code[i * 8]) == OP_LD_IMM64 && (code[i * 8 + 1] >>> 4) == 4) {
        // BPF_PSEUDO_FUNC: imm counts slots from the next instruction to the callback.
        assertEquals(callback.instructionIndex(), i + 1 + b.getInt(i * 8 + 4));
        loads++;
      }
    }
    assertEquals(1, loads, "one ld_imm64 of the callback's address");
    // The callback's own map loads are the program's now, at their appended slots.
    Set<String> inCallback =
        release.mapReferences().stream()
            .filter(m -> m.instructionIndex() >= callback.instructionIndex())
            .map(MapReference::mapName)
            .collect(Collectors.toSet());
    assertEquals(Set.of("releasing", "tuples", "ports"), inCallback);
    for (MapReference m : release.mapReferences()) {
      assertEquals(OP_LD_IMM64, Byte.toUnsignedInt(code[m.instructionIndex() * 8]), m.toString());
    }
  }

  @Test
  void rejectsACallbackAddressThatIsNotTheStartOfAFunction() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    ElfSection section = patcher.section("syscall");
    ProgramSpec release = real().program("nd_release").orElseThrow();
    int load = -1;
    byte[] own = new byte[release.ownInstructionCount() * 8];
    patcher.elf().data(section).get((int) release.sectionOffset(), own);
    for (int i = 0; i < own.length / 8 && load < 0; i++) {
      if (Byte.toUnsignedInt(own[i * 8]) == OP_LD_IMM64) {
        load = i; // nd_release loads no map itself: its only ld_imm64 is the callback's address
      }
    }
    // clang writes the callback's byte offset in .text as the immediate: point it mid-function.
    int at = (int) section.offset() + release.sectionOffset() + load * 8 + 4;
    String message = rejectionOf(p -> p.u32(at, 8));
    assertContains(message, "program 'nd_release'", "not the start of a function");
  }

  @Test
  void listsMapNamesInOffsetOrder() {
    BpfObjectFile object = real();
    assertEquals(MAPS, Set.copyOf(object.mapNames()));
    assertEquals(MAPS.size(), object.mapNames().size());
    List<String> byOffset =
        object.elf().symbols().stream()
            .filter(s -> MAPS.contains(s.name()))
            .sorted(Comparator.comparingLong(ElfSymbol::value))
            .map(ElfSymbol::name)
            .toList();
    assertEquals(byOffset, object.mapNames());
  }

  @Test
  void readsLicenseWithoutTerminator() {
    assertEquals("Dual BSD/GPL", real().license());
  }

  @Test
  void exposesRawBtfSectionsAsIndependentLittleEndianViews() {
    BpfObjectFile object = real();
    ByteBuffer btf = object.btf();
    assertEquals(ByteOrder.LITTLE_ENDIAN, btf.order());
    assertTrue(btf.isReadOnly());
    assertEquals(0xeb9f, Short.toUnsignedInt(btf.getShort()), "BTF magic");
    assertEquals(0, object.btf().position(), "each call gives a fresh view");
    ByteBuffer ext = object.btfExt().orElseThrow();
    assertEquals(ByteOrder.LITTLE_ENDIAN, ext.order());
    assertEquals(0xeb9f, Short.toUnsignedInt(ext.getShort(0)), "BTF.ext magic");
  }

  @Test
  void copiesInstructionsSoCallersCanPatchTheirOwn() {
    BpfObjectFile object = real();
    ProgramSpec program = object.program("nd_kfree_skb").orElseThrow();
    byte[] mine = program.instructions();
    Arrays.fill(mine, (byte) 0);
    assertNotEquals(0, program.instructions()[program.instructions().length - 8]);
    assertEquals(program, real().program("nd_kfree_skb").orElseThrow(), "value equality");
  }

  @Test
  void ignoresCorruptRelocationsOfNonProgramSections() {
    String table = ".rel.debug_info";
    BpfObjectFile object =
        BpfObjectFile.parse(patched(p -> p.u32(p.relocationEntry(table, 0) + 12, 99999)));
    assertEquals(PROGRAMS.size(), object.programs().size());
  }

  @Test
  void resolvesRelocationAgainstMapsSectionSymbolByOffsetInInstruction() {
    // Compilers may relocate against the section symbol and put the map's offset in the
    // instruction's immediate; make symbol #2 (a section symbol) point at .maps to get one.
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    ElfSymbol sectionSymbol = patcher.elf().symbols().get(2);
    assertEquals(ElfSymbol.STT_SECTION, sectionSymbol.type());
    int maps = patcher.section(".maps").index();
    int events = (int) patcher.symbol("events").value();
    int relocation = patcher.relocationEntry(".reltp_btf/net_dev_queue", 0);
    int instruction =
        (int) (patcher.section("tp_btf/net_dev_queue").offset() + patcher.u64(relocation));
    patcher
        .u16((int) (patcher.section(".symtab").offset() + 24 * 2 + 6), maps)
        .u32(relocation + 12, 2)
        .u32(instruction + 4, events);
    ProgramSpec program =
        BpfObjectFile.parse(patcher.bytes()).program("nd_net_dev_queue").orElseThrow();
    assertEquals("events", program.mapReferences().get(0).mapName());

    patcher.u32(instruction + 4, events + 4);
    String message =
        assertThrows(ElfFormatException.class, () -> BpfObjectFile.parse(patcher.bytes()))
            .getMessage();
    assertContains(message, "program 'nd_net_dev_queue'", "not a map definition");
  }

  @Test
  void rejectsRelocationOnNonLdImm64NamingProgramAndInstruction() {
    // Instruction 0 of a program reads its context argument; it is never an ld_imm64.
    String message = rejectionOf(p -> p.u64(p.mapRelocationEntry(".reltp_btf/kfree_skb", 0), 0));
    assertContains(message, "program 'nd_kfree_skb' instruction 0", "not an ld_imm64", "map relocation to symbol '");
  }

  @Test
  void rejectsRelocationOntoSecondHalfOfLdImm64() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int at = patcher.relocationEntry(".reltp_btf/net_dev_queue", 0);
    long offset = patcher.u64(at);
    String message = rejectionOf(p -> p.u64(at, offset + 8));
    assertContains(
        message, "program 'nd_net_dev_queue' instruction " + (offset / 8 + 1), "not an ld_imm64");
  }

  @Test
  void rejectsRelocationToGlobalDataNamingProgramAndSection() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    int license = patcher.symbol("LICENSE").index();
    String message =
        rejectionOf(p -> p.u32(p.mapRelocationEntry(".reltp_btf/kfree_skb", 0) + 12, license));
    assertContains(
        message, "program 'nd_kfree_skb'", "section 'license'", "global data is not supported");
  }

  @Test
  void rejectsRelocationToExternSymbol() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    String message = rejectionOf(p -> p.u16(p.symbolEntry("config") + 6, 0));
    assertContains(message, "extern symbol 'config'", "not supported");
  }

  @Test
  void rejectsCallRelocationAsUnsupportedSubprogram() {
    String message =
        rejectionOf(
            p ->
                p.u32(
                    p.relocationEntry(".reltracepoint/skb/kfree_skb", 1) + 8,
                    ElfRelocation.R_BPF_64_32));
    assertContains(
        message, "program 'nd_kfree_skb_tp'", "R_BPF_64_32", "subprograms are not supported");
  }

  @Test
  void rejectsBpfToBpfCallInstruction() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    ElfSection section = patcher.section("tp_btf/net_dev_queue");
    int insn = 3;
    String message =
        rejectionOf(
            p ->
                p.u8((int) section.offset() + insn * 8, OP_CALL)
                    .u8((int) section.offset() + insn * 8 + 1, 0x10));
    assertContains(message, "program 'nd_net_dev_queue' instruction 3", "BPF-to-BPF call");
  }

  @Test
  void rejectsProgramExtendingPastItsSection() {
    String message = rejectionOf(p -> p.u64(p.symbolEntry("nd_kfree_skb_norx") + 16, 1L << 20));
    assertContains(
        message,
        "program 'nd_kfree_skb_norx'",
        "'tp_btf/kfree_skb'",
        "past the end of the section");
  }

  @Test
  void rejectsProgramLengthNotMultipleOfInstructionSize() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    long size = patcher.symbol("nd_kfree_skb_tp").size();
    String message = rejectionOf(p -> p.u64(p.symbolEntry("nd_kfree_skb_tp") + 16, size - 3));
    assertContains(message, "program 'nd_kfree_skb_tp'", "multiples of 8");
  }

  @Test
  void rejectsOverlappingPrograms() {
    // Stretch nd_kfree_skb one instruction into nd_kfree_skb_norx, which follows it.
    String message =
        rejectionOf(
            p -> {
              long first = p.u64(p.symbolEntry("nd_kfree_skb") + 8);
              long second = p.u64(p.symbolEntry("nd_kfree_skb_norx") + 8);
              p.u64(p.symbolEntry("nd_kfree_skb") + 16, second - first + 8);
            });
    assertContains(message, "program 'nd_kfree_skb_norx'", "overlaps program 'nd_kfree_skb'");
  }

  @Test
  void rejectsMissingBtf() {
    // Give .BTF the name of .text; the file then has no section called .BTF.
    String message =
        rejectionOf(
            p -> p.u32(p.sectionHeader(".BTF"), p.u64(p.sectionHeader(".text")) & 0xffffffffL));
    assertContains(message, "missing or empty .BTF section");
  }

  @Test
  void rejectsMissingLicense() {
    String message =
        rejectionOf(
            p -> p.u32(p.sectionHeader("license"), p.u64(p.sectionHeader(".text")) & 0xffffffffL));
    assertContains(message, "missing 'license' section");
  }

  @Test
  void rejectsUnterminatedLicense() {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    ElfSection license = patcher.section("license");
    String message = rejectionOf(p -> p.u8((int) (license.offset() + license.size() - 1), 'X'));
    assertContains(message, "'license' section is not NUL-terminated");
  }

  @Test
  void rejectsTruncatedObjectsWithMessage() {
    byte[] object = ObjectPatcher.realObject();
    for (int length = 0; length < object.length; length += length < 80 ? 1 : 499) {
      byte[] truncated = Arrays.copyOf(object, length);
      ElfFormatException e =
          assertThrows(ElfFormatException.class, () -> BpfObjectFile.parse(truncated));
      assertFalse(e.getMessage().isBlank());
    }
  }

  private static byte[] patched(Consumer<ObjectPatcher> patch) {
    ObjectPatcher patcher = ObjectPatcher.ofRealObject();
    patch.accept(patcher);
    return patcher.bytes();
  }
}
