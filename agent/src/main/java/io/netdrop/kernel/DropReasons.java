package io.netdrop.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Names of the running kernel's {@code enum skb_drop_reason}, without the {@code
 * SKB_DROP_REASON_} prefix ({@code "NO_SOCKET"}). The enum is not stable across kernel releases,
 * so names only ever come from the running kernel (its BTF or its tracefs format file), never
 * from a table compiled into netdrop. Immutable and thread-safe.
 */
public final class DropReasons {

  private static final String PREFIX = "SKB_DROP_REASON_";
  private static final String SHORT_PREFIX = "SKB_";
  // Since 6.4 the high 16 bits of a reason name a subsystem (enum skb_drop_reason_subsys).
  private static final int SUBSYS_SHIFT = 16;
  private static final int MAX_DENSE = 1 << SUBSYS_SHIFT;

  private final String[] dense; // index = core reason value (< 65536)
  private final Map<Integer, String> sparse; // subsystem reasons, if the input had any
  private final Map<String, Integer> byName;
  private final String source;

  private DropReasons(Map<Integer, String> names, String source) {
    int max = -1;
    for (int v : names.keySet()) {
      if (v >= 0 && v < MAX_DENSE) {
        max = Math.max(max, v);
      }
    }
    this.dense = new String[max + 1];
    Map<Integer, String> rest = new HashMap<>();
    Map<String, Integer> rev = new HashMap<>();
    for (Map.Entry<Integer, String> e : names.entrySet()) {
      int v = e.getKey();
      if (v >= 0 && v < MAX_DENSE) {
        dense[v] = e.getValue();
      } else {
        rest.put(v, e.getValue());
      }
      rev.putIfAbsent(e.getValue(), v);
    }
    this.sparse = Map.copyOf(rest);
    this.byName = Map.copyOf(rev);
    this.source = source;
  }

  /**
   * Builds the table from the enumerators of {@code enum skb_drop_reason} as read from vmlinux BTF:
   * {@code SKB_DROP_REASON_} is stripped, and {@code SKB_} from {@code SKB_NOT_DROPPED_YET} and
   * {@code SKB_CONSUMED}. The {@code SUBSYS_MASK} enumerator and values that do not fit in 32 bits
   * are skipped, being no reasons. If two names share a value, the first in iteration order wins,
   * so pass a map in declaration order.
   *
   * @param source a label for diagnostics, returned by {@link #source()} (normally {@code "btf"})
   * @throws KernelFormatException if no enumerator is left or a name is empty
   */
  public static DropReasons fromEnumerators(Map<String, Long> skbDropReasonEnum, String source) {
    Objects.requireNonNull(skbDropReasonEnum, "skbDropReasonEnum");
    Objects.requireNonNull(source, "source");
    Map<Integer, String> names = new LinkedHashMap<>();
    for (Map.Entry<String, Long> e : skbDropReasonEnum.entrySet()) {
      String name = shortName(e.getKey());
      Long value = e.getValue();
      if (name.isEmpty() || value == null) {
        throw new KernelFormatException(
            "enum skb_drop_reason has an invalid enumerator: " + e.getKey() + "=" + value);
      }
      if (name.equals("SUBSYS_MASK") || value < Integer.MIN_VALUE || value > 0xffff_ffffL) {
        continue;
      }
      names.putIfAbsent((int) value.longValue(), name);
    }
    if (names.isEmpty()) {
      throw new KernelFormatException("enum skb_drop_reason from " + source + " has no reasons");
    }
    return new DropReasons(names, source);
  }

  /**
   * Builds the table from the text of {@code events/skb/kfree_skb/format}: the {@code
   * __print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, ...)} list of its {@code print fmt}.
   *
   * @throws KernelFormatException if the text has no such list or the list is malformed; the
   *     message quotes the offending part
   */
  public static DropReasons fromTracefsFormat(String formatFileText) {
    if (formatFileText == null) {
      throw new KernelFormatException("kfree_skb format text is null");
    }
    return new DropReasons(PrintSymbolicParser.parse(formatFileText, "reason"), "tracefs");
  }

  /**
   * Reads the table from a mounted tracefs (see {@link Tracefs}). Empty if tracefs is not mounted,
   * has no {@code skb/kfree_skb} event, or its format file cannot be read.
   *
   * @throws KernelFormatException if the format file exists but is malformed
   */
  public static Optional<DropReasons> fromTracefs() {
    Optional<Path> dir = Tracefs.eventDir("skb", "kfree_skb");
    if (dir.isEmpty()) {
      return Optional.empty();
    }
    String text;
    try {
      text = Files.readString(dir.get().resolve("format"));
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.of(fromTracefsFormat(text));
  }

  /** An empty table, the last resort: every value is named {@code UNKNOWN(n)}. */
  public static DropReasons none() {
    return new DropReasons(Map.of(), "none");
  }

  /**
   * The name of a reason value: {@code "NO_SOCKET"}; {@code "UNKNOWN(200)"} if the table lacks it;
   * for a value with subsystem bits that the table lacks, {@code "SUBSYS_<id>(<code>)"}, e.g.
   * {@code "SUBSYS_2(5)"}. The value is the raw unsigned 32-bit field of the event.
   */
  public String name(int value) {
    if (value >= 0 && value < dense.length && dense[value] != null) {
      return dense[value];
    }
    String n = sparse.isEmpty() ? null : sparse.get(value);
    if (n != null) {
      return n;
    }
    int subsystem = value >>> SUBSYS_SHIFT;
    if (subsystem != 0) {
      return "SUBSYS_" + subsystem + "(" + (value & (MAX_DENSE - 1)) + ")";
    }
    return "UNKNOWN(" + Integer.toUnsignedString(value) + ")";
  }

  /**
   * The value of a reason name, with or without its {@code SKB_DROP_REASON_} prefix; empty if the
   * running kernel has no such reason.
   */
  public OptionalInt value(String name) {
    if (name == null) {
      return OptionalInt.empty();
    }
    Integer v = byName.get(shortName(name));
    return v == null ? OptionalInt.empty() : OptionalInt.of(v);
  }

  /** The number of named reasons. */
  public int size() {
    return byName.size();
  }

  /** Where the names came from: {@code "btf"}, {@code "tracefs"} or {@code "none"}. */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "DropReasons[" + size() + " names from " + source + "]";
  }

  private static String shortName(String enumerator) {
    String n = enumerator.strip();
    if (n.startsWith(PREFIX)) {
      return n.substring(PREFIX.length());
    }
    if (n.equals("SKB_NOT_DROPPED_YET") || n.equals("SKB_CONSUMED")) {
      return n.substring(SHORT_PREFIX.length());
    }
    return n;
  }
}
