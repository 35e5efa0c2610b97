package io.netdrop.bpf.elf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Makes corrupt variants of the real BPF object: locates ELF structures with {@link ElfFile} and
 * overwrites fields by their ELF64 layout.
 */
final class ObjectPatcher {
  static final String RESOURCE = "/bpf/netdrop.bpf.o";

  private final byte[] bytes;
  private final ByteBuffer buffer;
  private final ElfFile elf;

  private ObjectPatcher(byte[] bytes) {
    this.bytes = bytes;
    this.buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    this.elf = ElfFile.parse(ByteBuffer.wrap(bytes.clone()));
  }

  /** The object the module builds from bpf/netdrop.bpf.c, read from the test class path. */
  static byte[] realObject() {
    try (InputStream in = ObjectPatcher.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the class path; build the module");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectPatcher ofRealObject() {
    return new ObjectPatcher(realObject());
  }

  /** The original, unpatched parse of the object, for locating things. */
  ElfFile elf() {
    return elf;
  }

  byte[] bytes() {
    return bytes.clone();
  }

  int sectionHeader(int index) {
    return (int) (buffer.getLong(40) + 64L * index);
  }

  int sectionHeader(String name) {
    return sectionHeader(section(name).index());
  }

  ElfSection section(String name) {
    return elf.section(name).orElseThrow(() -> new AssertionError("no section " + name));
  }

  ElfSymbol symbol(String name) {
    return elf.symbols().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no symbol " + name));
  }

  int symbolEntry(String name) {
    ElfSection symtab = section(".symtab");
    return (int) (symtab.offset() + 24L * symbol(name).index());
  }

  int relocationEntry(String relocationSection, int index) {
    return (int) (section(relocationSection).offset() + 16L * index);
  }

  /** Offset of the {@code index}-th R_BPF_64_64 (map) entry of a relocation section. */
  int mapRelocationEntry(String relocationSection, int index) {
    ElfSection rel = section(relocationSection);
    int seen = 0;
    for (long at = rel.offset(); at < rel.offset() + rel.size(); at += 16) {
      if ((buffer.getLong((int) at + 8) & 0xffffffffL) == ElfRelocation.R_BPF_64_64 && seen++ == index) {
        return (int) at;
      }
    }
    throw new IllegalArgumentException("no map relocation #" + index + " in " + relocationSection);
  }

  int u8(int at) {
    return Byte.toUnsignedInt(buffer.get(at));
  }

  long u64(int at) {
    return buffer.getLong(at);
  }

  ObjectPatcher u8(int at, int value) {
    buffer.put(at, (byte) value);
    return this;
  }

  ObjectPatcher u16(int at, int value) {
    buffer.putShort(at, (short) value);
    return this;
  }

  ObjectPatcher u32(int at, long value) {
    buffer.putInt(at, (int) value);
    return this;
  }

  ObjectPatcher u64(int at, long value) {
    buffer.putLong(at, value);
    return this;
  }
}
