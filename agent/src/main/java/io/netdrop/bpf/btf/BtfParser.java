package io.netdrop.bpf.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Turns a raw BTF blob into a {@link Btf}, validating everything that later queries rely on:
 * header bounds, each type's kind and extent, name offsets and referenced type ids.
 */
final class BtfParser {
  private static final int HEADER_MIN = 24;
  private static final int TYPE_HEADER_WORDS = Btf.TYPE_HEADER_WORDS;

  private BtfParser() {}

  static Btf parse(byte[] bytes) {
    if (bytes.length < HEADER_MIN) {
      throw new BtfFormatException("BTF truncated: " + bytes.length + " bytes, header needs " + HEADER_MIN);
    }
    ByteOrder order;
    int b0 = bytes[0] & 0xff;
    int b1 = bytes[1] & 0xff;
    if (b0 == 0x9F && b1 == 0xEB) {
      order = ByteOrder.LITTLE_ENDIAN;
    } else if (b0 == 0xEB && b1 == 0x9F) {
      order = ByteOrder.BIG_ENDIAN;
    } else {
      throw new BtfFormatException(String.format("BTF bad magic 0x%02x%02x, expected 0xeb9f", b1, b0));
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(order);
    int version = bytes[2] & 0xff;
    if (version != 1) {
      throw new BtfFormatException("BTF unsupported version " + version);
    }
    long hdrLen = u32(buf, 4);
    if (hdrLen < HEADER_MIN || hdrLen > bytes.length) {
      throw new BtfFormatException("BTF header length " + hdrLen + " out of range (data is " + bytes.length + " bytes)");
    }
    long typeStart = hdrLen + u32(buf, 8);
    long typeLen = u32(buf, 12);
    long strStart = hdrLen + u32(buf, 16);
    long strLen = u32(buf, 20);
    if (typeStart + typeLen > bytes.length) {
      throw new BtfFormatException("BTF type section [" + typeStart + ", " + (typeStart + typeLen)
          + ") past end of data (" + bytes.length + " bytes)");
    }
    if (typeLen % 4 != 0) {
      throw new BtfFormatException("BTF type section length " + typeLen + " is not a multiple of 4");
    }
    if (strStart + strLen > bytes.length) {
      throw new BtfFormatException("BTF string section [" + strStart + ", " + (strStart + strLen)
          + ") past end of data (" + bytes.length + " bytes)");
    }
    if (strLen > 0 && (bytes[(int) strStart] != 0 || bytes[(int) (strStart + strLen - 1)] != 0)) {
      throw new BtfFormatException("BTF string section must start and end with a NUL byte");
    }
    int[] words = new int[(int) (typeLen / 4)];
    buf.position((int) typeStart);
    buf.asIntBuffer().get(words);
    byte[] strings = Arrays.copyOfRange(bytes, (int) strStart, (int) (strStart + strLen));
    int[] offsets = scanTypes(words, strings.length);
    validateReferences(words, offsets);
    return new Btf(words, strings, offsets);
  }

  /**
   * Finds where each type starts, checking extents, kinds and name offsets. Referenced ids can only
   * be checked once the count is known, in {@link #validateReferences}.
   */
  private static int[] scanTypes(int[] w, int strLen) {
    int[] offsets = new int[Math.max(16, w.length / 6)];
    int n = w.length;
    int pos = 0;
    int id = 0;
    while (pos < n) {
      id++;
      if (n - pos < TYPE_HEADER_WORDS) {
        throw new BtfFormatException("BTF type [" + id + "] truncated at byte " + pos * 4 + " of the type section");
      }
      long nameOff = w[pos] & 0xffffffffL;
      int info = w[pos + 1];
      int kind = (info >>> 24) & 0x1f;
      int vlen = info & 0xffff;
      if (nameOff >= strLen && nameOff != 0) {
        throw nameError(id, "name", nameOff, strLen);
      }
      int extra;
      int stride = 0; // words per named record whose first word is a name offset
      switch (kind) {
        case 1, 14, 17 -> extra = 1; // INT, VAR, DECL_TAG
        case 3 -> extra = 3; // ARRAY
        case 4, 5, 19 -> { // STRUCT, UNION, ENUM64
          extra = vlen * 3;
          stride = 3;
        }
        case 6, 13 -> { // ENUM, FUNC_PROTO
          extra = vlen * 2;
          stride = 2;
        }
        case 15 -> extra = vlen * 3; // DATASEC
        case 2, 7, 8, 9, 10, 11, 12, 16, 18 -> extra = 0;
        default -> throw new BtfFormatException("BTF type [" + id + "] has unknown kind " + kind);
      }
      int next = pos + TYPE_HEADER_WORDS + extra;
      if (next > n) {
        throw new BtfFormatException("BTF type [" + id + "] " + BtfKind.of(kind) + " with vlen " + vlen
            + " runs past the end of the type section");
      }
      for (int p = pos + TYPE_HEADER_WORDS; stride > 0 && p < next; p += stride) {
        long off = w[p] & 0xffffffffL;
        if (off >= strLen && off != 0) {
          throw nameError(id, "member " + (p - pos - TYPE_HEADER_WORDS) / stride + " name", off, strLen);
        }
      }
      if (id >= offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[id] = pos;
      pos = next;
    }
    return Arrays.copyOf(offsets, id + 1);
  }

  private static BtfFormatException nameError(int id, String what, long off, int strLen) {
    return new BtfFormatException("BTF type [" + id + "] " + what + " offset " + off
        + " is past the string section (" + strLen + " bytes)");
  }

  private static void validateReferences(int[] words, int[] offsets) {
    long limit = offsets.length;
    for (int id = 1; id < offsets.length; id++) {
      int pos = offsets[id];
      int info = words[pos + 1];
      int kind = (info >>> 24) & 0x1f;
      int vlen = info & 0xffff;
      switch (kind) {
        case 2, 8, 9, 10, 11, 12, 13, 14, 17, 18 -> checkRef(offsets, kind, id, "referenced type", words[pos + 2], limit);
        case 3 -> {
          checkRef(offsets, kind, id, "element type", words[pos + 3], limit);
          checkRef(offsets, kind, id, "index type", words[pos + 4], limit);
        }
        default -> { }
      }
      switch (kind) {
        case 4, 5 -> {
          for (int i = 0; i < vlen; i++) {
            checkRef(offsets, kind, id, "member " + i + " type", words[pos + 4 + i * 3], limit);
          }
        }
        case 13 -> {
          for (int i = 0; i < vlen; i++) {
            checkRef(offsets, kind, id, "parameter " + i + " type", words[pos + 4 + i * 2], limit);
          }
        }
        case 15 -> {
          for (int i = 0; i < vlen; i++) {
            checkRef(offsets, kind, id, "variable " + i + " type", words[pos + 3 + i * 3], limit);
          }
        }
        default -> { }
      }
    }
  }

  private static void checkRef(int[] offsets, int kind, int id, String what, int ref, long limit) {
    if ((ref & 0xffffffffL) >= limit) {
      throw new BtfFormatException("BTF type [" + id + "] " + BtfKind.of(kind) + " " + what + " id " + (ref & 0xffffffffL)
          + " is out of range (last type is " + (offsets.length - 1) + ")");
    }
  }

  private static long u32(ByteBuffer buf, int pos) {
    return buf.getInt(pos) & 0xffffffffL;
  }
}
