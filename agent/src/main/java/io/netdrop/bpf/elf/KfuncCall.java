package io.netdrop.bpf.elf;

import java.util.Objects;

/**
 * A call from a program to a kernel function (kfunc) declared {@code extern ... __ksym}: the
 * loader resolves {@code name} in the running kernel's BTF and writes its type id into the
 * {@code call} at {@code instructionIndex} (with {@code src_reg = BPF_PSEUDO_KFUNC_CALL}).
 *
 * @param instructionIndex index of the {@code call} within the program, in 8-byte units
 * @param name the kernel function's name
 */
public record KfuncCall(int instructionIndex, String name) {
  public KfuncCall {
    if (instructionIndex < 0) {
      throw new IllegalArgumentException("negative instruction index " + instructionIndex);
    }
    Objects.requireNonNull(name, "name");
  }
}
