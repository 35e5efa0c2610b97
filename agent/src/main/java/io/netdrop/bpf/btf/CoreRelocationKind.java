package io.netdrop.bpf.btf;

/** What a CO-RE relocation asks for; ordinals are the kernel's {@code enum bpf_core_relo_kind} values 0..12. */
public enum CoreRelocationKind {
  FIELD_BYTE_OFFSET,
  FIELD_BYTE_SIZE,
  FIELD_EXISTS,
  FIELD_SIGNED,
  FIELD_LSHIFT_U64,
  FIELD_RSHIFT_U64,
  TYPE_ID_LOCAL,
  TYPE_ID_TARGET,
  TYPE_EXISTS,
  TYPE_SIZE,
  ENUMVAL_EXISTS,
  ENUMVAL_VALUE,
  TYPE_MATCHES;

  private static final CoreRelocationKind[] VALUES = values();

  /** The kernel's numeric value of this kind. */
  public int value() {
    return ordinal();
  }

  /**
   * The kind with the given kernel value.
   *
   * @throws BtfFormatException for values outside 0..12
   */
  public static CoreRelocationKind of(long value) {
    if (value < 0 || value >= VALUES.length) {
      throw new BtfFormatException("unknown CO-RE relocation kind " + value);
    }
    return VALUES[(int) value];
  }

  boolean isFieldBased() {
    return ordinal() <= FIELD_RSHIFT_U64.ordinal();
  }

  boolean isTypeBased() {
    return this == TYPE_ID_LOCAL || this == TYPE_ID_TARGET || this == TYPE_EXISTS || this == TYPE_SIZE
        || this == TYPE_MATCHES;
  }

  boolean isEnumValueBased() {
    return this == ENUMVAL_EXISTS || this == ENUMVAL_VALUE;
  }

  /** Existence checks answer 0 on a kernel that lacks the thing instead of failing. */
  boolean isExistence() {
    return this == FIELD_EXISTS || this == TYPE_EXISTS || this == ENUMVAL_EXISTS || this == TYPE_MATCHES;
  }
}
