package io.netdrop.bpf.btf;

import java.io.IOException;
import java.nio.ByteBuffer;
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
  static final int TYPE_HEADER_WORDS = 3;
  /** libbpf's limit: deeper typedef/qualifier/array chains are treated as cycles. */
  private static final int MAX_CHAIN = 32;

  // The type section as 32-bit words in host order: one bulk copy at load, then plain array reads,
  // which keeps the scan of ~150k kernel types fast even before the JIT has warmed up.
  private final int[] words;
  private final byte[] strings;
  private final int[] offsets; // offsets[id] = word index of type id's header; offsets[0] unused
  private volatile BtfNameIndex nameIndex;

  Btf(int[] words, byte[] strings, int[] offsets) {
    this.words = words;
    this.strings = strings;
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
    return BtfParser.parse(bytes);
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
      return BtfParser.parse(bytes);
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

  /**
   * The type's name, empty for anonymous types and for void (id 0).
   *
   * @throws IllegalArgumentException if {@code id} is not in 0..typeCount()
   */
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
   * @throws IllegalArgumentException if {@code id} is not in 0..typeCount()
   */
  public int skipModifiers(int id) {
    if (id != 0) {
      checkId(id);
    }
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
   * @throws IllegalArgumentException if {@code id} is not in 0..typeCount()
   */
  public long sizeOf(int id) {
    if (id != 0) {
      checkId(id);
    }
    int current = id;
    long multiplier = 1;
    for (int hops = 0; hops <= MAX_CHAIN; hops++) {
      if (current == 0) {
        throw new BtfFormatException("BTF type [" + id + "] resolves to void, which has no size");
      }
      BtfKind kind = kind(current);
      switch (kind) {
        case INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC -> {
          return mul(id, multiplier, sizeOrType(current));
        }
        case PTR -> {
          return mul(id, multiplier, 8);
        }
        case ARRAY -> {
          multiplier = mul(id, multiplier, u32At(trailer(current) + 2));
          current = words[trailer(current)];
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

  // Low-level accessors shared with the views and the relocator; ids are assumed valid and
  // positions are word indexes into the type section.

  BtfKind kind(int id) {
    return BtfKind.of((words[offsets[id] + 1] >>> 24) & 0x1f);
  }

  int vlen(int id) {
    return words[offsets[id] + 1] & 0xffff;
  }

  boolean kindFlag(int id) {
    return words[offsets[id] + 1] < 0;
  }

  long nameOffset(int id) {
    return words[offsets[id]] & 0xffffffffL;
  }

  /** The size-or-type word of the type header. */
  long sizeOrType(int id) {
    return words[offsets[id] + 2] & 0xffffffffL;
  }

  int ref(int id) {
    return words[offsets[id] + 2];
  }

  /** Word index of the first word after type {@code id}'s header. */
  int trailer(int id) {
    return offsets[id] + TYPE_HEADER_WORDS;
  }

  int intAt(int pos) {
    return words[pos];
  }

  long u32At(int pos) {
    return words[pos] & 0xffffffffL;
  }

  String memberName(int id, int index) {
    return string(u32At(trailer(id) + index * 3));
  }

  int memberType(int id, int index) {
    return words[trailer(id) + index * 3 + 1];
  }

  long memberBitOffset(int id, int index) {
    long raw = u32At(trailer(id) + index * 3 + 2);
    return kindFlag(id) ? raw & 0xffffff : raw;
  }

  int memberBitfieldSize(int id, int index) {
    long raw = u32At(trailer(id) + index * 3 + 2);
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
    if (offset < 0 || offset >= strings.length) {
      throw new BtfFormatException("BTF string offset " + offset + " is past the string section ("
          + strings.length + " bytes)");
    }
    int start = (int) offset;
    int end = start;
    while (strings[end] != 0) { // the section ends with NUL (checked at parse)
      end++;
    }
    return new String(strings, start, end - start, StandardCharsets.UTF_8);
  }

  /** Whether the string at {@code offset} is empty, without decoding it. */
  boolean isEmptyString(long offset) {
    return offset == 0 || strings[(int) offset] == 0;
  }

  /** Hash of the string at {@code offset} up to NUL or the first {@code ___}, consistent with {@link BtfNameIndex#hash}. */
  int essentialNameHash(long offset) {
    byte[] bytes = strings;
    int pos = (int) offset;
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
}
