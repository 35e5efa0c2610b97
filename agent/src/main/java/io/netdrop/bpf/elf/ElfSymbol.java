package io.netdrop.bpf.elf;

/**
 * One {@code .symtab} entry. {@code index} is the entry's position, so {@code
 * file.symbols().get(relocation.symbolIndex())} finds a relocation's symbol (entry 0 is the null
 * symbol).
 *
 * @param index position in the symbol table
 * @param name the name from the symbol string table ({@code ""} if unnamed)
 * @param value {@code st_value}: in a relocatable file, the offset within its section (unsigned)
 * @param size {@code st_size} in bytes (unsigned)
 * @param type the low four bits of {@code st_info}, e.g. {@link #STT_FUNC}
 * @param bind the high four bits of {@code st_info}, e.g. {@link #STB_GLOBAL}
 * @param sectionIndex {@code st_shndx}: a valid section index, {@link #SHN_UNDEF}, {@link #SHN_ABS}
 *     or {@link #SHN_COMMON}
 */
public record ElfSymbol(
    int index, String name, long value, long size, int type, int bind, int sectionIndex) {
  public static final int STT_NOTYPE = 0;
  public static final int STT_OBJECT = 1;
  public static final int STT_FUNC = 2;
  public static final int STT_SECTION = 3;
  public static final int STT_FILE = 4;

  public static final int STB_LOCAL = 0;
  public static final int STB_GLOBAL = 1;
  public static final int STB_WEAK = 2;

  public static final int SHN_UNDEF = 0;
  public static final int SHN_ABS = 0xfff1;
  public static final int SHN_COMMON = 0xfff2;

  /** Whether the symbol is defined in a section of the file (not undefined, absolute or common). */
  public boolean isInSection() {
    return sectionIndex != SHN_UNDEF && sectionIndex < 0xff00;
  }
}
