package io.netdrop.bpf.elf;

import java.util.Objects;

/**
 * A function appended to a program because the program passes it as a callback (to {@code
 * bpf_loop}, for one): its instructions are {@code instructionCount} slots from {@code
 * instructionIndex} of the program's instructions, copied from {@code sectionOffset} of its own
 * section. The loader needs this to apply the function's own CO-RE relocations, which {@code
 * .BTF.ext} lists under that section.
 *
 * @param name the function's symbol name
 * @param sectionName the ELF section it was copied from (usually {@code .text})
 * @param sectionOffset its byte offset within that section
 * @param instructionIndex where it starts in the program, in 8-byte slots
 * @param instructionCount its length in 8-byte slots
 */
public record Subprogram(
    String name, String sectionName, int sectionOffset, int instructionIndex, int instructionCount) {
  public Subprogram {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sectionName, "sectionName");
    if (sectionOffset < 0 || instructionIndex < 0 || instructionCount <= 0) {
      throw new IllegalArgumentException(
          "subprogram " + name + ": bad extent (offset " + sectionOffset + ", index "
              + instructionIndex + ", count " + instructionCount + ")");
    }
  }
}
