package io.netdrop.bpf.elf;

/**
 * The few ELF header fields the reader needs, after checking the file is an ELF64 LE BPF object.
 */
record ElfHeader(long sectionHeaderOffset, int sectionCount, int stringTableIndex) {
  static final int HEADER_SIZE = 64;
  static final int SECTION_HEADER_SIZE = 64;
  static final int EM_BPF = 247;
  static final int ET_REL = 1;

  /** e_shstrndx escape value: the real index lives in section header 0 (as for e_shnum == 0). */
  private static final int SHN_XINDEX = 0xffff;

  static ElfHeader parse(ElfBytes bytes) {
    if (bytes.size() < HEADER_SIZE) {
      throw new ElfFormatException(
          "file too short for an ELF64 header: " + bytes.size() + " bytes, need " + HEADER_SIZE);
    }
    if (bytes.u8(0, "e_ident") != 0x7f
        || bytes.u8(1, "e_ident") != 'E'
        || bytes.u8(2, "e_ident") != 'L'
        || bytes.u8(3, "e_ident") != 'F') {
      throw new ElfFormatException(
          String.format(
              "not an ELF file: magic is %02x %02x %02x %02x, expected 7f 45 4c 46",
              bytes.u8(0, "e_ident"),
              bytes.u8(1, "e_ident"),
              bytes.u8(2, "e_ident"),
              bytes.u8(3, "e_ident")));
    }
    int elfClass = bytes.u8(4, "EI_CLASS");
    if (elfClass != 2) {
      throw new ElfFormatException(
          "unsupported ELF class "
              + elfClass
              + (elfClass == 1 ? " (ELFCLASS32)" : "")
              + ": BPF objects are ELFCLASS64 (2)");
    }
    int data = bytes.u8(5, "EI_DATA");
    if (data != 1) {
      throw new ElfFormatException(
          "unsupported ELF data encoding "
              + data
              + (data == 2 ? " (big-endian, ELFDATA2MSB)" : "")
              + ": only little-endian (ELFDATA2LSB, 1) is supported");
    }
    int identVersion = bytes.u8(6, "EI_VERSION");
    if (identVersion != 1) {
      throw new ElfFormatException(
          "unsupported ELF version " + identVersion + " in e_ident, expected 1");
    }
    int type = bytes.u16(16, "e_type");
    if (type != ET_REL) {
      throw new ElfFormatException(
          "unsupported ELF type " + type + ": BPF objects are relocatable files (ET_REL, 1)");
    }
    int machine = bytes.u16(18, "e_machine");
    if (machine != EM_BPF) {
      throw new ElfFormatException(
          "ELF e_machine is " + machine + ", expected EM_BPF (" + EM_BPF + ")");
    }
    long shoff = bytes.u64(40, "e_shoff");
    int ehsize = bytes.u16(52, "e_ehsize");
    if (ehsize < HEADER_SIZE) {
      throw new ElfFormatException(
          "ELF e_ehsize is " + ehsize + ", expected at least " + HEADER_SIZE);
    }
    int shentsize = bytes.u16(58, "e_shentsize");
    long shnum = bytes.u16(60, "e_shnum");
    int shstrndx = bytes.u16(62, "e_shstrndx");
    if (shoff == 0) {
      if (shnum != 0) {
        throw new ElfFormatException("ELF e_shnum is " + shnum + " but e_shoff is 0");
      }
      return new ElfHeader(0, 0, 0);
    }
    if (shentsize != SECTION_HEADER_SIZE) {
      throw new ElfFormatException(
          "ELF e_shentsize is " + shentsize + ", expected " + SECTION_HEADER_SIZE);
    }
    bytes.require(shoff, SECTION_HEADER_SIZE, "section header table (e_shoff)");
    if (shnum == 0) {
      shnum = bytes.u64(shoff + 32, "section count in section header 0");
    }
    if (shstrndx == SHN_XINDEX) {
      shstrndx = (int) bytes.u32(shoff + 40, "string table index in section header 0");
    }
    // Check the count before multiplying: a corrupt u64 count must not overflow.
    if (shnum < 0 || shnum > bytes.size() / SECTION_HEADER_SIZE) {
      throw new ElfFormatException(
          String.format(
              "section header table at offset 0x%x with %s entries lies past the end of the file"
                  + " (%d bytes)",
              shoff, Long.toUnsignedString(shnum), bytes.size()));
    }
    bytes.require(
        shoff,
        shnum * SECTION_HEADER_SIZE,
        "section header table (" + shnum + " entries of " + SECTION_HEADER_SIZE + " bytes)");
    if (shstrndx < 0 || shstrndx >= shnum) {
      throw new ElfFormatException(
          "ELF e_shstrndx is "
              + Integer.toUnsignedString(shstrndx)
              + " but the file has only "
              + shnum
              + " sections");
    }
    return new ElfHeader(shoff, (int) shnum, shstrndx);
  }
}
