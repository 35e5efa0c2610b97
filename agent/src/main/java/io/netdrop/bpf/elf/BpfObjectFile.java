package io.netdrop.bpf.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A BPF object as the loader sees it: its programs with their map references, the map names, the
 * license and the raw BTF sections for the BTF and CO-RE code. Everything is parsed and checked by
 * {@link #parse}; the accessors cannot fail. Only self-contained programs are accepted: every
 * relocation must load a map from {@code .maps}; BPF-to-BPF calls, global data ({@code .rodata},
 * {@code .data}, {@code .bss}, {@code .kconfig}) and externs are rejected. Instances are immutable
 * and thread-safe.
 */
public final class BpfObjectFile {
  private static final String LICENSE_SECTION = "license";
  private static final String BTF_SECTION = ".BTF";
  private static final String BTF_EXT_SECTION = ".BTF.ext";

  private final ElfFile elf;
  private final List<ProgramSpec> programs;
  private final List<String> mapNames;
  private final String license;
  private final ByteBuffer btf;
  private final ByteBuffer btfExt;

  private BpfObjectFile(
      ElfFile elf,
      List<ProgramSpec> programs,
      List<String> mapNames,
      String license,
      ByteBuffer btf,
      ByteBuffer btfExt) {
    this.elf = elf;
    this.programs = programs;
    this.mapNames = mapNames;
    this.license = license;
    this.btf = btf;
    this.btfExt = btfExt;
  }

  /**
   * Parses a BPF object file; {@code elf} is copied, so the caller may reuse the array.
   *
   * @throws ElfFormatException if the file is malformed, has no {@code .BTF} or {@code license}
   *     section, or uses an unsupported feature; the message names the section, symbol or program
   */
  public static BpfObjectFile parse(byte[] elf) {
    Objects.requireNonNull(elf, "elf");
    ElfFile file = ElfFile.parse(ByteBuffer.wrap(elf.clone()));
    MapSymbols maps = MapSymbols.of(file);
    List<ProgramSpec> programs = ProgramReader.read(file, maps);
    ByteBuffer btf =
        file.section(BTF_SECTION)
            .map(file::data)
            .filter(ByteBuffer::hasRemaining)
            .orElseThrow(
                () ->
                    new ElfFormatException(
                        "missing or empty "
                            + BTF_SECTION
                            + " section: compile the BPF program with -g"));
    ByteBuffer btfExt = file.section(BTF_EXT_SECTION).map(file::data).orElse(null);
    return new BpfObjectFile(file, programs, maps.names(), license(file), btf, btfExt);
  }

  private static String license(ElfFile file) {
    ByteBuffer data =
        file.section(LICENSE_SECTION)
            .map(file::data)
            .orElseThrow(() -> new ElfFormatException("missing '" + LICENSE_SECTION + "' section"));
    for (int i = 0; i < data.limit(); i++) {
      if (data.get(i) == 0) {
        byte[] text = new byte[i];
        data.get(0, text);
        return new String(text, StandardCharsets.UTF_8);
      }
    }
    throw new ElfFormatException("'" + LICENSE_SECTION + "' section is not NUL-terminated");
  }

  /** The programs in section order, then by offset within their section. */
  public List<ProgramSpec> programs() {
    return programs;
  }

  /** The program whose function symbol is {@code name}. */
  public Optional<ProgramSpec> program(String name) {
    Objects.requireNonNull(name, "name");
    return programs.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** The license string from the {@code license} section, without its terminating NUL. */
  public String license() {
    return license;
  }

  /** A new read-only little-endian view, positioned at 0, of the raw {@code .BTF} section. */
  public ByteBuffer btf() {
    return view(btf);
  }

  /** A new read-only little-endian view of the raw {@code .BTF.ext} section, if present. */
  public Optional<ByteBuffer> btfExt() {
    return Optional.ofNullable(btfExt).map(BpfObjectFile::view);
  }

  /** The names of the maps defined in {@code .maps}, in the order of their offsets there. */
  public List<String> mapNames() {
    return mapNames;
  }

  /** The underlying ELF file, for callers that need sections or symbols beyond the above. */
  public ElfFile elf() {
    return elf;
  }

  private static ByteBuffer view(ByteBuffer buffer) {
    // duplicate() resets the byte order to big-endian, so set it on every view.
    return buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }
}
