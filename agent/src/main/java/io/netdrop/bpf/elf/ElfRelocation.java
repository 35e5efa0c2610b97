package io.netdrop.bpf.elf;

/**
 * One {@code SHT_REL} entry (BPF objects carry no addends: the addend is in the patched bytes).
 *
 * @param offset byte offset inside the section the relocation patches; checked to lie in it
 * @param symbolIndex index into {@link ElfFile#symbols()}; checked to be in range
 * @param type the relocation type, e.g. {@link #R_BPF_64_64}
 */
public record ElfRelocation(long offset, int symbolIndex, int type) {
  /** A 64-bit immediate, i.e. the second half of an {@code ld_imm64}: used for map references. */
  public static final int R_BPF_64_64 = 1;

  public static final int R_BPF_64_ABS64 = 2;
  public static final int R_BPF_64_ABS32 = 3;
  public static final int R_BPF_64_NODYLD32 = 4;

  /** A 32-bit call target: emitted for BPF-to-BPF calls. */
  public static final int R_BPF_64_32 = 10;
}
