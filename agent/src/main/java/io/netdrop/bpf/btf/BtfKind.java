package io.netdrop.bpf.btf;

/** The kinds of BTF type, with the numeric value the kernel's {@code BTF_KIND_*} constants use. */
public enum BtfKind {
  INT(1),
  PTR(2),
  ARRAY(3),
  STRUCT(4),
  UNION(5),
  ENUM(6),
  FWD(7),
  TYPEDEF(8),
  VOLATILE(9),
  CONST(10),
  RESTRICT(11),
  FUNC(12),
  FUNC_PROTO(13),
  VAR(14),
  DATASEC(15),
  FLOAT(16),
  DECL_TAG(17),
  TYPE_TAG(18),
  ENUM64(19);

  private static final BtfKind[] BY_VALUE = new BtfKind[20];

  static {
    for (BtfKind kind : values()) {
      BY_VALUE[kind.value] = kind;
    }
  }

  private final int value;

  BtfKind(int value) {
    this.value = value;
  }

  /** The kernel's numeric value of this kind. */
  public int value() {
    return value;
  }

  /**
   * The kind with the given kernel value.
   *
   * @throws BtfFormatException if no kind has that value (0 is "unknown" in the kernel too)
   */
  public static BtfKind of(int value) {
    BtfKind kind = value > 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    if (kind == null) {
      throw new BtfFormatException("unknown BTF kind " + value);
    }
    return kind;
  }

  static boolean isKnown(int value) {
    return value > 0 && value < BY_VALUE.length;
  }

  /** Whether types of this kind are transparent for layout: typedefs, qualifiers and type tags. */
  public boolean isModifier() {
    return this == TYPEDEF || this == VOLATILE || this == CONST || this == RESTRICT || this == TYPE_TAG;
  }
}
