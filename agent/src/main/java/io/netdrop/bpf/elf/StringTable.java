package io.netdrop.bpf.elf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** NUL-terminated names looked up by offset in an {@code SHT_STRTAB} section. */
final class StringTable {
  private final ByteBuffer data;
  private final String label;

  StringTable(ByteBuffer data, String label) {
    this.data = data;
    this.label = label;
  }

  /**
   * Returns the string at {@code offset} (unsigned); {@code owner} names what the string belongs to
   * so that the error points at the corrupt entry.
   */
  String get(long offset, String owner) {
    int size = data.limit();
    if (offset < 0 || offset >= size) {
      throw new ElfFormatException(
          "name offset "
              + Long.toUnsignedString(offset)
              + " of "
              + owner
              + " is past the end of string table "
              + label
              + " ("
              + size
              + " bytes)");
    }
    int start = (int) offset;
    int end = start;
    while (end < size && data.get(end) != 0) {
      end++;
    }
    if (end == size) {
      throw new ElfFormatException(
          "name of "
              + owner
              + " at offset "
              + offset
              + " in string table "
              + label
              + " is not NUL-terminated");
    }
    byte[] name = new byte[end - start];
    data.get(start, name);
    return new String(name, StandardCharsets.UTF_8);
  }
}
