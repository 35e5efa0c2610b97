package io.netdrop.bpf.btf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-only ELF64 little-endian section reader, so these tests do not depend on the real ELF reader. */
final class TestElf {
  private static final long SHF_EXECINSTR = 0x4;

  private final Map<String, byte[]> sections = new LinkedHashMap<>();
  private final Map<String, Boolean> executable = new LinkedHashMap<>();

  private TestElf(byte[] file) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int shoff = (int) b.getLong(0x28);
    int shentsize = b.getShort(0x3A) & 0xffff;
    int shnum = b.getShort(0x3C) & 0xffff;
    int strndx = b.getShort(0x3E) & 0xffff;
    int strtab = (int) b.getLong(shoff + strndx * shentsize + 24);
    for (int i = 1; i < shnum; i++) {
      int sh = shoff + i * shentsize;
      int nameStart = strtab + b.getInt(sh);
      int nameEnd = nameStart;
      while (file[nameEnd] != 0) {
        nameEnd++;
      }
      String name = new String(file, nameStart, nameEnd - nameStart, StandardCharsets.UTF_8);
      int offset = (int) b.getLong(sh + 24);
      int size = (int) b.getLong(sh + 32);
      byte[] data = new byte[size];
      if (b.getInt(sh + 4) != 8) { // SHT_NOBITS has no file data
        System.arraycopy(file, offset, data, 0, size);
      }
      sections.put(name, data);
      executable.put(name, (b.getLong(sh + 8) & SHF_EXECINSTR) != 0);
    }
  }

  /** The BPF object the module's build compiles from bpf/netdrop.bpf.c. */
  static TestElf netdropObject() {
    try (InputStream in = TestElf.class.getResourceAsStream("/bpf/netdrop.bpf.o")) {
      if (in == null) {
        throw new IllegalStateException("/bpf/netdrop.bpf.o not on the test classpath; build the agent module first");
      }
      return new TestElf(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  byte[] section(String name) {
    byte[] data = sections.get(name);
    if (data == null) {
      throw new IllegalArgumentException("no ELF section " + name);
    }
    return data.clone();
  }

  boolean isExecutable(String name) {
    return executable.getOrDefault(name, false);
  }
}
