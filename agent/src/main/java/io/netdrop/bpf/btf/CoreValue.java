package io.netdrop.bpf.btf;

/**
 * The value a relocation resolves to against one spec (local or target).
 *
 * @param value the number to patch in
 * @param poison the relocation cannot be satisfied; {@code reason} says why
 * @param reason why the instruction is poisoned, null otherwise
 * @param memSize for a field offset, the byte size of the field (to fix load/store widths), else 0
 * @param memTypeId for a field offset, the field's type id, else 0
 * @param validate whether the compiled instruction must already hold the local value
 */
record CoreValue(long value, boolean poison, String reason, int memSize, int memTypeId, boolean validate) {

  static CoreValue of(long value, boolean validate) {
    return new CoreValue(value, false, null, 0, 0, validate);
  }

  static CoreValue poisoned(String reason) {
    return new CoreValue(0, true, reason, 0, 0, false);
  }

  /** Whether two candidates agree on what to patch. */
  boolean sameOutcome(CoreValue other) {
    return value == other.value && poison == other.poison && memSize == other.memSize;
  }

  /**
   * Computes the value of {@code kind} from {@code spec}; {@code spec} is null when no target
   * candidate matched.
   */
  static CoreValue compute(CoreRelocationKind kind, CoreSpec spec) {
    if (kind.isFieldBased()) {
      return field(kind, spec);
    }
    if (kind.isEnumValueBased()) {
      if (kind == CoreRelocationKind.ENUMVAL_EXISTS) {
        return of(spec == null ? 0 : 1, true);
      }
      if (spec == null) {
        return poisoned("enumerator not found in kernel BTF");
      }
      CoreSpec.Accessor acc = spec.accessors.get(0);
      return of(spec.btf.type(acc.typeId()).enumerators().get(acc.index()).value(), true);
    }
    if (spec == null) {
      return of(0, true); // type-based relocations resolve to 0 when the type is missing
    }
    return switch (kind) {
      case TYPE_ID_TARGET -> of(spec.rootId, false); // ids change on linking; nothing to validate
      case TYPE_ID_LOCAL -> of(spec.rootId, true);
      case TYPE_EXISTS, TYPE_MATCHES -> of(1, true);
      case TYPE_SIZE -> of(CoreSpec.sizeOf(spec.btf, spec.rootId), true);
      default -> throw new IllegalStateException("unhandled relocation kind " + kind);
    };
  }

  private static CoreValue field(CoreRelocationKind kind, CoreSpec spec) {
    if (kind == CoreRelocationKind.FIELD_EXISTS) {
      return of(spec == null ? 0 : 1, true);
    }
    if (spec == null) {
      return poisoned("field not found in kernel BTF");
    }
    Btf btf = spec.btf;
    CoreSpec.Accessor acc = spec.accessors.get(spec.accessors.size() - 1);
    if (acc.name() == null) { // the access ends on an array element
      long size = CoreSpec.sizeOf(btf, acc.typeId());
      return switch (kind) {
        case FIELD_BYTE_OFFSET -> new CoreValue(spec.bitOffset / 8, false, null, (int) size, acc.typeId(), true);
        case FIELD_BYTE_SIZE -> of(size, true);
        default -> throw new CoreRelocationException("CO-RE " + kind + " cannot be applied to array element " + spec.describe());
      };
    }
    int memberType = btf.memberType(acc.typeId(), acc.index());
    int fieldType = btf.skipModifiers(memberType);
    long bitOff = spec.bitOffset;
    long bitSize = btf.memberBitfieldSize(acc.typeId(), acc.index());
    boolean bitfield = bitSize > 0;
    long byteSize;
    long byteOff;
    if (bitfield) {
      byteSize = CoreSpec.sizeOf(btf, fieldType);
      byteOff = bitOff / 8 / byteSize * byteSize;
      // Widen the load until it covers the whole bitfield.
      while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
        if (byteSize >= 8) {
          throw new CoreRelocationException("CO-RE bitfield " + spec.describe() + " cannot be read with one 64-bit load");
        }
        byteSize *= 2;
        byteOff = bitOff / 8 / byteSize * byteSize;
      }
    } else {
      byteSize = CoreSpec.sizeOf(btf, fieldType);
      byteOff = bitOff / 8;
      bitSize = byteSize * 8;
    }
    return switch (kind) {
      case FIELD_BYTE_OFFSET -> bitfield
          ? of(byteOff, false)
          : new CoreValue(byteOff, false, null, (int) byteSize, fieldType, true);
      case FIELD_BYTE_SIZE -> of(byteSize, !bitfield);
      case FIELD_SIGNED -> of(isSigned(btf, fieldType) ? 1 : 0, true);
      case FIELD_LSHIFT_U64 -> of(64 - (bitOff + bitSize - byteOff * 8), !bitfield);
      case FIELD_RSHIFT_U64 -> of(64 - bitSize, true);
      default -> throw new IllegalStateException("unhandled relocation kind " + kind);
    };
  }

  private static boolean isSigned(Btf btf, int id) {
    if (id == 0) {
      return false;
    }
    BtfKind k = btf.kind(id);
    return (k == BtfKind.INT || k == BtfKind.ENUM || k == BtfKind.ENUM64) && btf.type(id).isSigned();
  }
}
