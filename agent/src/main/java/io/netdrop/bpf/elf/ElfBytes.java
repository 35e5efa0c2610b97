package io.netdrop.bpf.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian reads that check every access against the file size, so a corrupt offset becomes an
 * {@link ElfFormatException} naming the field instead of an {@code IndexOutOfBoundsException}.
 */
final class ElfBytes {
  private final ByteBuffer buffer;

  ElfBytes(ByteBuffer buffer) {
    this.buffer = buffer.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  int size() {
    return buffer.limit();
  }

  /** Fails unless {@code [offset, offset + length)} lies inside the file; both are unsigned. */
  void require(long offset, long length, String what) {
    if (!fits(offset, length)) {
      throw new ElfFormatException(
          String.format(
              "%s at offset 0x%s, %s bytes long, lies past the end of the file (%d bytes)",
              what, Long.toHexString(offset), Long.toUnsignedString(length), size()));
    }
  }

  boolean fits(long offset, long length) {
    // Negative longs are u64 values above 2^63: always out of range.
    return offset >= 0 && length >= 0 && offset <= size() && length <= size() - offset;
  }

  int u8(long offset, String what) {
    require(offset, 1, what);
    return Byte.toUnsignedInt(buffer.get((int) offset));
  }

  int u16(long offset, String what) {
    require(offset, 2, what);
    return Short.toUnsignedInt(buffer.getShort((int) offset));
  }

  long u32(long offset, String what) {
    require(offset, 4, what);
    return Integer.toUnsignedLong(buffer.getInt((int) offset));
  }

  /** Returns the raw 64 bits; callers treat negative values as "too large". */
  long u64(long offset, String what) {
    require(offset, 8, what);
    return buffer.getLong((int) offset);
  }

  /** A read-only little-endian view of {@code [offset, offset + length)}, checked first. */
  ByteBuffer slice(long offset, long length, String what) {
    require(offset, length, what);
    return buffer
        .slice((int) offset, (int) length)
        .asReadOnlyBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
  }
}
