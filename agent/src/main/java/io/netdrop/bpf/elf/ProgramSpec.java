package io.netdrop.bpf.elf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One BPF program as found in the object, before map file descriptors are patched in.
 *
 * @param name the program's function symbol name
 * @param sectionName the ELF section holding it (e.g. {@code tp_btf/kfree_skb}), which tells the
 *     program type and attach point
 * @param sectionOffset the program's byte offset within its section; {@code .BTF.ext} records are
 *     relative to the section start, so subtract this to map them onto {@code instructions}
 * @param instructions the raw little-endian instructions, a multiple of 8 bytes; copied in and out
 * @param mapReferences the {@code ld_imm64} instructions that load a map, by instruction index
 * @param kfuncCalls the calls to kernel functions, by instruction index
 * @param subprograms the callback functions appended after the program's own instructions (their
 *     map references and kfunc calls are in the lists above, at their indexes in the program)
 */
public record ProgramSpec(
    String name,
    String sectionName,
    int sectionOffset,
    byte[] instructions,
    List<MapReference> mapReferences,
    List<KfuncCall> kfuncCalls,
    List<Subprogram> subprograms) {

  /** Size of one BPF instruction slot in bytes. */
  public static final int INSTRUCTION_SIZE = 8;

  public ProgramSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sectionName, "sectionName");
    Objects.requireNonNull(instructions, "instructions");
    if (sectionOffset < 0) {
      throw new IllegalArgumentException("negative section offset " + sectionOffset);
    }
    if (instructions.length % INSTRUCTION_SIZE != 0) {
      throw new IllegalArgumentException(
          "instructions of program "
              + name
              + " are "
              + instructions.length
              + " bytes, not a multiple of "
              + INSTRUCTION_SIZE);
    }
    instructions = instructions.clone();
    mapReferences = List.copyOf(mapReferences);
    kfuncCalls = List.copyOf(kfuncCalls);
    subprograms = List.copyOf(subprograms);
  }

  /** A program that calls no kernel function. */
  public ProgramSpec(
      String name,
      String sectionName,
      int sectionOffset,
      byte[] instructions,
      List<MapReference> mapReferences) {
    this(name, sectionName, sectionOffset, instructions, mapReferences, List.of(), List.of());
  }

  /** A copy of the instructions: callers patch their own copy before loading. */
  @Override
  public byte[] instructions() {
    return instructions.clone();
  }

  /**
   * The number of the program's own 8-byte slots, before any appended {@link #subprograms()}; its
   * CO-RE relocations are those of {@link #sectionName()} from {@link #sectionOffset()} on.
   */
  public int ownInstructionCount() {
    return subprograms.isEmpty() ? instructionCount() : subprograms.get(0).instructionIndex();
  }

  /** The number of 8-byte instruction slots ({@code ld_imm64} takes two). */
  public int instructionCount() {
    return instructions.length / INSTRUCTION_SIZE;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProgramSpec other
        && name.equals(other.name)
        && sectionName.equals(other.sectionName)
        && sectionOffset == other.sectionOffset
        && Arrays.equals(instructions, other.instructions)
        && mapReferences.equals(other.mapReferences)
        && kfuncCalls.equals(other.kfuncCalls)
        && subprograms.equals(other.subprograms);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name,
        sectionName,
        sectionOffset,
        Arrays.hashCode(instructions),
        mapReferences,
        kfuncCalls,
        subprograms);
  }

  @Override
  public String toString() {
    return "ProgramSpec[name="
        + name
        + ", sectionName="
        + sectionName
        + ", sectionOffset="
        + sectionOffset
        + ", instructions="
        + instructionCount()
        + " slots, mapReferences="
        + mapReferences
        + ", kfuncCalls="
        + kfuncCalls
        + ", subprograms="
        + subprograms
        + "]";
  }
}
