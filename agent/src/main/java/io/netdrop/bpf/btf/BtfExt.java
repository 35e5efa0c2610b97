package io.netdrop.bpf.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed {@code .BTF.ext} section: per ELF section, the func_info, line_info and CO-RE
 * relocation records. Strings (section names, access strings) live in the object's {@code .BTF},
 * which must be passed in. Instruction offsets are kept as in the file: bytes from the start of
 * the ELF section. Instances are immutable.
 */
public final class BtfExt {
  private static final int HEADER_MIN = 24;
  private static final int HEADER_WITH_CORE = 32;
  private static final int FUNC_INFO_MIN = 8;
  private static final int LINE_INFO_MIN = 16;
  private static final int CORE_RELO_MIN = 16;

  private final Map<String, List<BtfFuncInfo>> funcInfos;
  private final Map<String, List<BtfLineInfo>> lineInfos;
  private final Map<String, List<CoreRelocation>> coreRelocations;

  private BtfExt(Map<String, List<BtfFuncInfo>> funcInfos, Map<String, List<BtfLineInfo>> lineInfos,
      Map<String, List<CoreRelocation>> coreRelocations) {
    this.funcInfos = funcInfos;
    this.lineInfos = lineInfos;
    this.coreRelocations = coreRelocations;
  }

  /**
   * Parses a {@code .BTF.ext} blob from {@code data}'s position to its limit; byte order comes from
   * the magic. The buffer's position is not changed.
   *
   * @param objectBtf the same object's {@code .BTF}, which holds the strings the records refer to
   * @throws BtfFormatException if the blob is malformed (bad magic, truncated header or
   *     sub-section, bad record size, string offset or type id out of range, unknown relocation kind)
   */
  public static BtfExt parse(ByteBuffer data, Btf objectBtf) {
    ByteBuffer src = data.duplicate();
    byte[] bytes = new byte[src.remaining()];
    src.get(bytes);
    if (bytes.length < HEADER_MIN) {
      throw new BtfFormatException("BTF.ext truncated: " + bytes.length + " bytes, header needs " + HEADER_MIN);
    }
    ByteOrder order;
    if ((bytes[0] & 0xff) == 0x9F && (bytes[1] & 0xff) == 0xEB) {
      order = ByteOrder.LITTLE_ENDIAN;
    } else if ((bytes[0] & 0xff) == 0xEB && (bytes[1] & 0xff) == 0x9F) {
      order = ByteOrder.BIG_ENDIAN;
    } else {
      throw new BtfFormatException(String.format("BTF.ext bad magic 0x%02x%02x, expected 0xeb9f", bytes[1] & 0xff, bytes[0] & 0xff));
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(order);
    if (bytes[2] != 1) {
      throw new BtfFormatException("BTF.ext unsupported version " + (bytes[2] & 0xff));
    }
    long hdrLen = u32(buf, 4);
    if (hdrLen < HEADER_MIN || hdrLen > bytes.length) {
      throw new BtfFormatException("BTF.ext header length " + hdrLen + " out of range (section is " + bytes.length + " bytes)");
    }
    Reader reader = new Reader(buf, (int) hdrLen, objectBtf);
    Map<String, List<BtfFuncInfo>> funcs = new LinkedHashMap<>();
    reader.subsection("func_info", 8, FUNC_INFO_MIN, (sec, pos) -> {
      int typeId = reader.typeId(pos + 4, "func_info");
      funcs.computeIfAbsent(sec, k -> new ArrayList<>()).add(new BtfFuncInfo(buf.getInt(pos), typeId));
    });
    Map<String, List<BtfLineInfo>> lines = new LinkedHashMap<>();
    reader.subsection("line_info", 16, LINE_INFO_MIN, (sec, pos) -> {
      long file = reader.stringOffset(pos + 4, "line_info file name");
      long line = reader.stringOffset(pos + 8, "line_info line");
      int lineCol = buf.getInt(pos + 12);
      lines.computeIfAbsent(sec, k -> new ArrayList<>())
          .add(new BtfLineInfo(buf.getInt(pos), file, line, lineCol >>> 10, lineCol & 0x3ff));
    });
    Map<String, List<CoreRelocation>> relos = new LinkedHashMap<>();
    if (hdrLen >= HEADER_WITH_CORE) {
      reader.subsection("core_relo", 24, CORE_RELO_MIN, (sec, pos) -> {
        int typeId = reader.typeId(pos + 4, "core_relo");
        String access = objectBtf.string(reader.stringOffset(pos + 8, "core_relo access string"));
        CoreRelocationKind kind;
        try {
          kind = CoreRelocationKind.of(u32(buf, pos + 12));
        } catch (BtfFormatException e) {
          throw new BtfFormatException("BTF.ext core_relo in section '" + sec + "': " + e.getMessage());
        }
        relos.computeIfAbsent(sec, k -> new ArrayList<>()).add(new CoreRelocation(buf.getInt(pos), typeId, access, kind));
      });
    }
    return new BtfExt(freeze(funcs), freeze(lines), freeze(relos));
  }

  /** Names of the ELF sections that have any func_info, line_info or CO-RE records, in file order. */
  public Set<String> sections() {
    Set<String> names = new LinkedHashSet<>(funcInfos.keySet());
    names.addAll(lineInfos.keySet());
    names.addAll(coreRelocations.keySet());
    return Collections.unmodifiableSet(names);
  }

  /** CO-RE relocations of one ELF section, in file order; empty if it has none. */
  public List<CoreRelocation> coreRelocations(String elfSectionName) {
    return coreRelocations.getOrDefault(elfSectionName, List.of());
  }

  /** func_info records of one ELF section, in file order; empty if it has none. */
  public List<BtfFuncInfo> funcInfos(String elfSectionName) {
    return funcInfos.getOrDefault(elfSectionName, List.of());
  }

  /** line_info records of one ELF section, in file order; empty if it has none. */
  public List<BtfLineInfo> lineInfos(String elfSectionName) {
    return lineInfos.getOrDefault(elfSectionName, List.of());
  }

  private static <T> Map<String, List<T>> freeze(Map<String, List<T>> map) {
    Map<String, List<T>> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(copy);
  }

  private static long u32(ByteBuffer buf, int pos) {
    return buf.getInt(pos) & 0xffffffffL;
  }

  private interface RecordHandler {
    void record(String section, int pos);
  }

  /** Walks the sub-sections; all bounds are checked before any record is read. */
  private static final class Reader {
    private final ByteBuffer buf;
    private final int hdrLen;
    private final Btf btf;

    Reader(ByteBuffer buf, int hdrLen, Btf btf) {
      this.buf = buf;
      this.hdrLen = hdrLen;
      this.btf = btf;
    }

    void subsection(String what, int headerField, int minRecord, RecordHandler handler) {
      long off = u32(buf, headerField);
      long len = u32(buf, headerField + 4);
      if (len == 0) {
        return;
      }
      long start = hdrLen + off;
      long end = start + len;
      if (end > buf.capacity()) {
        throw new BtfFormatException("BTF.ext " + what + " [" + start + ", " + end + ") past end of section ("
            + buf.capacity() + " bytes)");
      }
      if (len < 4) {
        throw new BtfFormatException("BTF.ext " + what + " too short for its record size (" + len + " bytes)");
      }
      int pos = (int) start;
      long recSize = u32(buf, pos);
      if (recSize < minRecord || (recSize & 3) != 0) {
        throw new BtfFormatException("BTF.ext " + what + " has bad rec_size " + recSize + " (need a multiple of 4, at least " + minRecord + ")");
      }
      pos += 4;
      while (pos < end) {
        if (end - pos < 8) {
          throw new BtfFormatException("BTF.ext " + what + " section header truncated at offset " + pos);
        }
        String section = btf.string(stringOffset(pos, what + " section name"));
        long count = u32(buf, pos + 4);
        pos += 8;
        if (count * recSize > end - pos) {
          throw new BtfFormatException("BTF.ext " + what + " for section '" + section + "': " + count
              + " records of " + recSize + " bytes run past the end of the sub-section");
        }
        for (long i = 0; i < count; i++) {
          handler.record(section, pos);
          pos += (int) recSize;
        }
      }
    }

    long stringOffset(int pos, String what) {
      long off = u32(buf, pos);
      try {
        btf.string(off);
      } catch (BtfFormatException e) {
        throw new BtfFormatException("BTF.ext " + what + " offset " + off + " is past the BTF string section");
      }
      return off;
    }

    int typeId(int pos, String what) {
      long id = u32(buf, pos);
      if (id > btf.typeCount()) {
        throw new BtfFormatException("BTF.ext " + what + " refers to type id " + id + " beyond the last type " + btf.typeCount());
      }
      return (int) id;
    }
  }
}
