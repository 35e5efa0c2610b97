package io.netdrop.bpf.elf;

/**
 * One section header. {@code offset} and {@code size} are unsigned; for every section that is not
 * {@link #SHT_NOBITS} {@link ElfFile#parse} has checked they lie inside the file.
 *
 * @param index position in the section header table, as used by symbols and {@code sh_info}
 * @param name the name from the section name string table ({@code ""} for section 0)
 * @param type {@code sh_type}, e.g. {@link #SHT_PROGBITS}
 * @param flags {@code sh_flags}, e.g. {@link #SHF_EXECINSTR}
 * @param offset {@code sh_offset}: where the section's bytes start in the file
 * @param size {@code sh_size} in bytes
 * @param link {@code sh_link}: for symbol and relocation tables, the section they use
 * @param info {@code sh_info}: for relocation tables, the index of the section they patch
 * @param entrySize {@code sh_entsize}: the size of one entry of a table section
 */
public record ElfSection(
    int index,
    String name,
    int type,
    long flags,
    long offset,
    long size,
    int link,
    int info,
    long entrySize) {
  public static final int SHT_NULL = 0;
  public static final int SHT_PROGBITS = 1;
  public static final int SHT_SYMTAB = 2;
  public static final int SHT_STRTAB = 3;
  public static final int SHT_RELA = 4;
  public static final int SHT_NOBITS = 8;
  public static final int SHT_REL = 9;

  public static final long SHF_WRITE = 0x1;
  public static final long SHF_ALLOC = 0x2;
  public static final long SHF_EXECINSTR = 0x4;

  /** Whether the section holds code ({@link #SHF_EXECINSTR}). */
  public boolean isExecutable() {
    return (flags & SHF_EXECINSTR) != 0;
  }
}
