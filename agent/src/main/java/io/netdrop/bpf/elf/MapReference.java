package io.netdrop.bpf.elf;

import java.util.Objects;

/**
 * A map used by a program: the loader writes the map's file descriptor into the {@code ld_imm64} at
 * {@code instructionIndex} (and sets its {@code src_reg} to {@code BPF_PSEUDO_MAP_FD}).
 *
 * @param instructionIndex index of the {@code ld_imm64}'s first half within the program, in 8-byte
 *     instruction units
 * @param mapName the map's symbol name in {@code .maps}; one of {@link BpfObjectFile#mapNames()}
 */
public record MapReference(int instructionIndex, String mapName) {
  public MapReference {
    if (instructionIndex < 0) {
      throw new IllegalArgumentException("negative instruction index " + instructionIndex);
    }
    Objects.requireNonNull(mapName, "mapName");
  }
}
