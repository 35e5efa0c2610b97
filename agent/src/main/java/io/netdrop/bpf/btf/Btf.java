package io.netdrop.bpf.btf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A parsed BTF blob (header, type section, string section), such as a BPF object's {@code .BTF}
 * section or the kernel's {@code /sys/kernel/btf/vmlinux}.
 *
 * <p>Parsing validates the whole blob up front (header bounds, every type's extent, kind, name
 * offset and referenced type ids), so later queries never fail on malformed data except where a
 * type graph is cyclic. Types are not materialised: {@link #type(int)} returns a light view and
 * names are decoded on demand, which keeps loading the ~150k kernel types cheap. Instances are
 * immutable and safe to share between threads.
 */
public final class Btf {
  /** Where the running kernel exposes its own BTF. */
  public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

  static final int MAGIC = 0xEB9F;
  private static final int HEADER_MIN = 24;
  private static final int TYPE_HEADER = 12;
  /** libbpf's limit: deeper typedef/qualifier/array chains are treated as cycles. */
  private static final int MAX_CHAIN = 32;

  private final ByteBuffer buf;
  private final int strStart;
  private final int strLen;
  private final int[] offsets; // offsets[id] = position of type id's header in buf; offsets[0] unused
  private volatile BtfNameIndex nameIndex;

  private Btf(ByteBuffer buf, int strStart, int strLen, int[] offsets) {
    this.buf = buf;
    this.strStart = strStart;
    this.strLen = strLen;
    this.offsets = offsets;
  }

  /**
   * Parses a raw BTF blob from {@code data}'s position to its limit; the byte order comes from the
   * magic number. The buffer's contents are copied, its position is not changed.
   *
   * @throws BtfFormatException if the blob is malformed, naming the problem
   */
  public static Btf parse(ByteBuffer data) {
    ByteBuffer src = data.duplicate();
    byte[] bytes = new byte[src.remaining()];
    src.get(bytes);
    return parse(bytes);
  }

  /**
   * Reads and parses a BTF file.
   *
   * @throws BtfFormatException if the file cannot be read or is malformed
   */
  public static Btf load(Path path) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new BtfFormatException("BTF file " + path + " does not exist", e);
    } catch (IOException e) {
      throw new BtfFormatException("cannot read BTF file " + path + ": " + e.getMessage(), e);
    }
    try {
      return parse(bytes);
    } catch (BtfFormatException e) {
      throw new BtfFormatException(path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads the running kernel's BTF from {@link #VMLINUX}.
   *
   * @throws BtfFormatException if the kernel exposes no BTF (built without CONFIG_DEBUG_INFO_BTF)
   *     or it cannot be read
   */
  public static Btf loadVmlinux() {
    if (!Files.exists(VMLINUX)) {
      throw new BtfFormatException(
          "kernel BTF not available: " + VMLINUX + " is missing (kernel built without CONFIG_DEBUG_INFO_BTF?)");
    }
    return load(VMLINUX);
  }

  private static Btf parse(byte[] bytes) {
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
      throw new BtfFormatException("BTF header length " + hdrLen + " out of range (file is " + bytes.length + " bytes)");
    }
    long typeStart = hdrLen + u32(buf, 8);
    long typeEnd = typeStart + u32(buf, 12);
    long strStart = hdrLen + u32(buf, 16);
    long strEnd = strStart + u32(buf, 20);
    if (typeEnd > bytes.length) {
      throw new BtfFormatException("BTF type section [" + typeStart + ", " + typeEnd + ") past end of data (" + bytes.length + " bytes)");
    }
    if (strEnd > bytes.length) {
      throw new BtfFormatException("BTF string section [" + strStart + ", " + strEnd + ") past end of data (" + bytes.length + " bytes)");
    }
    int strLen = (int) (strEnd - strStart);
    if (strLen > 0 && (bytes[(int) strStart] != 0 || bytes[(int) strEnd - 1] != 0)) {
      throw new BtfFormatException("BTF string section must start and end with a NUL byte");
    }
    int[] offsets = scanTypes(buf, (int) typeStart, (int) typeEnd, strLen);
    Btf btf = new Btf(buf, (int) strStart, strLen, offsets);
    btf.validateReferences();
    return btf;
  }

  private static int[] scanTypes(ByteBuffer buf, int start, int end, int strLen) {
    int[] offsets = new int[1024];
    int count = 0;
    int pos = start;
    while (pos < end) {
      int id = count + 1;
      if (end - pos < TYPE_HEADER) {
        throw new BtfFormatException("BTF type [" + id + "] truncated at offset " + pos);
      }
      long nameOff = u32(buf, pos);
      int info = buf.getInt(pos + 4);
      int kind = (info >>> 24) & 0x1f;
      int vlen = info & 0xffff;
      if (!BtfKind.isKnown(kind)) {
        throw new BtfFormatException("BTF type [" + id + "] has unknown kind " + kind);
      }
      checkNameOffset(nameOff, strLen, id, "name");
      long extra = trailerSize(kind, vlen);
      if (pos + TYPE_HEADER + extra > end) {
        throw new BtfFormatException("BTF type [" + id + "] " + BtfKind.of(kind) + " with vlen " + vlen
            + " runs past the end of the type section");
      }
      int recordSize = memberRecordSize(kind);
      for (int i = 0; i < vlen && recordSize > 0; i++) {
        checkNameOffset(u32(buf, pos + TYPE_HEADER + i * recordSize), strLen, id, "member " + i + " name");
      }
      if (id >= offsets.length) {
        offsets = java.util.Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[id] = pos;
      count = id;
      pos += TYPE_HEADER + (int) extra;
    }
    return java.util.Arrays.copyOf(offsets, count + 1);
  }

  private static void checkNameOffset(long off, int strLen, int id, String what) {
    if (off != 0 && off >= strLen) {
      throw new BtfFormatException("BTF type [" + id + "] " + what + " offset " + off
          + " is past the string section (" + strLen + " bytes)");
    }
  }

  private static long trailerSize(int kind, int vlen) {
    switch (kind) {
      case 1: // INT
      case 14: // VAR
      case 17: // DECL_TAG
        return 4;
      case 3: // ARRAY
        return 12;
      case 15: // DATASEC: (type, offset, size) records, no names
        return (long) vlen * 12;
      default:
        return (long) vlen * memberRecordSize(kind);
    }
  }

  /** Size of a per-vlen record that starts with a name offset, 0 for kinds without named records. */
  private static int memberRecordSize(int kind) {
    switch (kind) {
      case 4: // STRUCT
      case 5: // UNION
      case 19: // ENUM64
        return 12;
      case 6: // ENUM
      case 13: // FUNC_PROTO
        return 8;
      default:
        return 0;
    }
  }

  private void validateReferences() {
    for (int id = 1; id < offsets.length; id++) {
      int pos = offsets[id];
      BtfKind kind = kind(id);
      int vlen = vlen(id);
      switch (kind) {
        case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO, VAR, DECL_TAG, TYPE_TAG ->
            checkRef(id, "referenced type", u32(buf, pos + 8));
        case ARRAY -> {
          checkRef(id, "element type", u32(buf, pos + 12));
          checkRef(id, "index type", u32(buf, pos + 16));
        }
        case STRUCT, UNION -> {
          for (int i = 0; i < vlen; i++) {
            checkRef(id, "member " + i + " type", u32(buf, pos + TYPE_HEADER + i * 12 + 4));
          }
        }
        case DATASEC -> {
          for (int i = 0; i < vlen; i++) {
            checkRef(id, "variable " + i + " type", u32(buf, pos + TYPE_HEADER + i * 12));
          }
        }
        default -> { }
      }
      if (kind == BtfKind.FUNC_PROTO) {
        for (int i = 0; i < vlen; i++) {
          checkRef(id, "parameter " + i + " type", u32(buf, pos + TYPE_HEADER + i * 8 + 4));
        }
      }
    }
  }

  private void checkRef(int id, String what, long ref) {
    if (ref >= offsets.length) {
      throw new BtfFormatException("BTF type [" + id + "] " + kind(id) + " " + what + " id " + ref
          + " is out of range (last type is " + (offsets.length - 1) + ")");
    }
  }

  /** Number of types; valid ids are 1..typeCount(), id 0 is void. */
  public int typeCount() {
    return offsets.length - 1;
  }

  /**
   * A view of type {@code id}.
   *
   * @throws IllegalArgumentException if {@code id} is not in 1..typeCount()
   */
  public BtfType type(int id) {
    checkId(id);
    return new BtfType(this, id);
  }

  /** The type's name, empty for anonymous types and for void (id 0). */
  public String name(int id) {
    if (id == 0) {
      return "";
    }
    checkId(id);
    return string(nameOffset(id));
  }

  /** The first type of the given kind and exact name, if any. */
  public OptionalInt findType(BtfKind kind, String name) {
    List<Integer> ids = findTypes(kind, name);
    return ids.isEmpty() ? OptionalInt.empty() : OptionalInt.of(ids.get(0));
  }

  /** All types of the given kind and exact name, in id order. */
  public List<Integer> findTypes(BtfKind kind, String name) {
    List<Integer> result = new ArrayList<>(1);
    for (int id : nameIndex().idsWithEssentialName(CoreNames.essential(name))) {
      if (kind(id) == kind && name(id).equals(name)) {
        result.add(id);
      }
    }
    return result;
  }

  /** Ids of all named types whose name, with any {@code ___suffix} removed, equals {@code essentialName}. */
  int[] idsWithEssentialName(String essentialName) {
    return nameIndex().idsWithEssentialName(essentialName);
  }

  private BtfNameIndex nameIndex() {
    BtfNameIndex index = nameIndex;
    if (index == null) {
      synchronized (this) {
        index = nameIndex;
        if (index == null) {
          index = BtfNameIndex.build(this);
          nameIndex = index;
        }
      }
    }
    return index;
  }

  /**
   * Follows typedefs, const, volatile, restrict and type tags to the underlying type id.
   *
   * @throws BtfFormatException if the chain is cyclic or deeper than 32
   */
  public int skipModifiers(int id) {
    int current = id;
    for (int hops = 0; hops <= MAX_CHAIN; hops++) {
      if (current == 0 || !kind(current).isModifier()) {
        return current;
      }
      current = ref(current);
    }
    throw new BtfFormatException("BTF type [" + id + "] has a cyclic or too deep typedef/qualifier chain");
  }

  /**
   * The byte size of a type: pointers are 8, arrays element size times count, typedefs, qualifiers
   * and VARs resolve to their target.
   *
   * @throws BtfFormatException if the type has no size (void, FUNC, FUNC_PROTO, FWD, DECL_TAG), is
   *     cyclic, or its size overflows
   */
  public long sizeOf(int id) {
    checkIdFormat(id);
    int current = id;
    long multiplier = 1;
    for (int hops = 0; hops <= MAX_CHAIN; hops++) {
      if (current == 0) {
        throw new BtfFormatException("BTF type [" + id + "] resolves to void, which has no size");
      }
      BtfKind kind = kind(current);
      switch (kind) {
        case INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC -> {
          return mul(id, multiplier, u32(buf, offsets[current] + 8));
        }
        case PTR -> {
          return mul(id, multiplier, 8);
        }
        case ARRAY -> {
          multiplier = mul(id, multiplier, u32(buf, offsets[current] + 20));
          current = (int) u32(buf, offsets[current] + 12);
        }
        case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR -> current = ref(current);
        default -> throw new BtfFormatException(
            "BTF type [" + id + "] resolves to " + kind + " '" + name(current) + "', which has no size");
      }
    }
    throw new BtfFormatException("BTF type [" + id + "] has a cyclic or too deep type chain");
  }

  private static long mul(int id, long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw new BtfFormatException("BTF type [" + id + "] size overflows", e);
    }
  }

  /**
   * The enumerators of the first ENUM or ENUM64 named {@code enumName}, in declaration order;
   * empty if there is no such enum.
   */
  public Map<String, Long> enumerators(String enumName) {
    OptionalInt id = findType(BtfKind.ENUM, enumName);
    if (id.isEmpty()) {
      id = findType(BtfKind.ENUM64, enumName);
    }
    if (id.isEmpty()) {
      return Map.of();
    }
    Map<String, Long> result = new LinkedHashMap<>();
    for (BtfEnumerator e : type(id.getAsInt()).enumerators()) {
      result.put(e.name(), e.value());
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * The parameter count of the function prototype behind a function-pointer typedef, e.g. the
   * tracepoint typedef {@code btf_trace_kfree_skb}; empty if the typedef does not exist or is not
   * a pointer to a FUNC_PROTO.
   */
  public OptionalInt funcProtoParamCount(String typedefName) {
    OptionalInt typedef = findType(BtfKind.TYPEDEF, typedefName);
    if (typedef.isEmpty()) {
      return OptionalInt.empty();
    }
    int ptr = skipModifiers(typedef.getAsInt());
    if (ptr == 0 || kind(ptr) != BtfKind.PTR) {
      return OptionalInt.empty();
    }
    int proto = skipModifiers(ref(ptr));
    if (proto == 0 || kind(proto) != BtfKind.FUNC_PROTO) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(vlen(proto));
  }

  // Low-level accessors shared with the views and the relocator; ids are assumed valid.

  BtfKind kind(int id) {
    return BtfKind.of((buf.getInt(offsets[id] + 4) >>> 24) & 0x1f);
  }

  int vlen(int id) {
    return buf.getInt(offsets[id] + 4) & 0xffff;
  }

  boolean kindFlag(int id) {
    return buf.getInt(offsets[id] + 4) < 0;
  }

  long nameOffset(int id) {
    return u32(buf, offsets[id]);
  }

  /** The size-or-type word of the type header. */
  long sizeOrType(int id) {
    return u32(buf, offsets[id] + 8);
  }

  int ref(int id) {
    return (int) u32(buf, offsets[id] + 8);
  }

  /** Absolute position of the first byte after type {@code id}'s 12-byte header. */
  int trailer(int id) {
    return offsets[id] + TYPE_HEADER;
  }

  int intAt(int pos) {
    return buf.getInt(pos);
  }

  long u32At(int pos) {
    return u32(buf, pos);
  }

  String memberName(int id, int index) {
    return string(u32(buf, trailer(id) + index * 12));
  }

  int memberType(int id, int index) {
    return (int) u32(buf, trailer(id) + index * 12 + 4);
  }

  long memberBitOffset(int id, int index) {
    long raw = u32(buf, trailer(id) + index * 12 + 8);
    return kindFlag(id) ? raw & 0xffffff : raw;
  }

  int memberBitfieldSize(int id, int index) {
    long raw = u32(buf, trailer(id) + index * 12 + 8);
    return kindFlag(id) ? (int) (raw >>> 24) : 0;
  }

  /**
   * The string at {@code offset} in the string section.
   *
   * @throws BtfFormatException if the offset is past the string section
   */
  String string(long offset) {
    if (offset == 0) {
      return "";
    }
    if (offset < 0 || offset >= strLen) {
      throw new BtfFormatException("BTF string offset " + offset + " is past the string section (" + strLen + " bytes)");
    }
    int start = strStart + (int) offset;
    byte[] bytes = buf.array();
    int end = start;
    while (bytes[end] != 0) { // the section ends with NUL (checked at parse)
      end++;
    }
    return new String(bytes, start, end - start, StandardCharsets.UTF_8);
  }

  /** Whether the string at {@code offset} is empty, without decoding it. */
  boolean isEmptyString(long offset) {
    return offset == 0 || buf.array()[strStart + (int) offset] == 0;
  }

  /** Hash of the string at {@code offset} up to NUL or the first {@code ___}, consistent with {@link BtfNameIndex#hash}. */
  int essentialNameHash(long offset) {
    byte[] bytes = buf.array();
    int pos = strStart + (int) offset;
    int h = 0;
    while (bytes[pos] != 0) {
      if (bytes[pos] == '_' && bytes[pos + 1] == '_' && bytes[pos + 2] == '_') {
        break;
      }
      h = 31 * h + (bytes[pos] & 0xff);
      pos++;
    }
    return h;
  }

  private void checkId(int id) {
    if (id < 1 || id >= offsets.length) {
      throw new IllegalArgumentException("BTF type id " + id + " out of range 1.." + typeCount());
    }
  }

  private void checkIdFormat(int id) {
    if (id < 0 || id >= offsets.length) {
      throw new BtfFormatException("BTF type id " + id + " out of range 1.." + typeCount());
    }
  }

  private static long u32(ByteBuffer buf, int pos) {
    return buf.getInt(pos) & 0xffffffffL;
  }
}
