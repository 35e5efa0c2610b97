package io.netdrop.bpf.btf;

/** The compatibility rules CO-RE uses to decide whether a local and a kernel type are "the same". */
final class CoreTypeCompat {
  private static final int MAX_DEPTH = 32;

  private CoreTypeCompat() {}

  /**
   * Field-level compatibility (after typedefs/qualifiers): any two structs/unions, any two
   * pointers or floats, ints (size and sign ignored), enums and forwards of the same essential name
   * or anonymous, arrays by element type.
   */
  static boolean fieldsAreCompatible(Btf local, int localId, Btf target, int targetId) {
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
      localId = local.skipModifiers(localId);
      targetId = target.skipModifiers(targetId);
      if (localId == 0 || targetId == 0) {
        return false;
      }
      BtfKind lk = local.kind(localId);
      BtfKind tk = target.kind(targetId);
      if (isComposite(lk) && isComposite(tk)) {
        return true;
      }
      if (isEnum(lk) && isEnum(tk)) {
        return namesCompatible(local.name(localId), target.name(targetId));
      }
      if (lk != tk) {
        return false;
      }
      switch (lk) {
        case PTR, FLOAT -> {
          return true;
        }
        case FWD -> {
          return namesCompatible(local.name(localId), target.name(targetId));
        }
        case INT -> {
          // Legacy bitfield-style ints cannot be relocated safely.
          return local.type(localId).intOffset() == 0 && target.type(targetId).intOffset() == 0;
        }
        case ARRAY -> {
          localId = local.type(localId).array().elementType();
          targetId = target.type(targetId).array().elementType();
        }
        default -> {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * Type-level compatibility for type-based relocations: same kind, and pointers, arrays and
   * function prototypes compatible all the way down; named aggregates match by name alone.
   */
  static boolean typesAreCompatible(Btf local, int localId, Btf target, int targetId) {
    return compatible(local, localId, target, targetId, 0);
  }

  private static boolean compatible(Btf local, int localId, Btf target, int targetId, int depth) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    localId = local.skipModifiers(localId);
    targetId = target.skipModifiers(targetId);
    if (localId == 0 || targetId == 0) {
      return localId == targetId;
    }
    BtfKind lk = local.kind(localId);
    BtfKind tk = target.kind(targetId);
    if (isEnum(lk) && isEnum(tk)) {
      return true;
    }
    if (lk != tk) {
      return false;
    }
    switch (lk) {
      case STRUCT, UNION, FWD, FLOAT -> {
        return true;
      }
      case INT -> {
        return local.type(localId).intOffset() == 0 && target.type(targetId).intOffset() == 0;
      }
      case PTR -> {
        return compatible(local, local.ref(localId), target, target.ref(targetId), depth + 1);
      }
      case ARRAY -> {
        return compatible(local, local.type(localId).array().elementType(),
            target, target.type(targetId).array().elementType(), depth + 1);
      }
      case FUNC_PROTO -> {
        int n = local.vlen(localId);
        if (n != target.vlen(targetId)) {
          return false;
        }
        var lp = local.type(localId).params();
        var tp = target.type(targetId).params();
        for (int i = 0; i < n; i++) {
          if (!compatible(local, lp.get(i).type(), target, tp.get(i).type(), depth + 1)) {
            return false;
          }
        }
        return compatible(local, local.ref(localId), target, target.ref(targetId), depth + 1);
      }
      default -> {
        return false;
      }
    }
  }

  /**
   * The stricter TYPE_MATCHES rule: every local member or enumerator exists by name in the target
   * with a matching type, ints agree in size and signedness, arrays in length.
   */
  static boolean typesMatch(Btf local, int localId, Btf target, int targetId) {
    return matches(local, localId, target, targetId, 0);
  }

  private static boolean matches(Btf local, int localId, Btf target, int targetId, int depth) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    localId = local.skipModifiers(localId);
    targetId = target.skipModifiers(targetId);
    if (localId == 0 || targetId == 0) {
      return localId == targetId;
    }
    BtfKind lk = local.kind(localId);
    BtfKind tk = target.kind(targetId);
    if (isEnum(lk) && isEnum(tk)) {
      if (local.sizeOrType(localId) != target.sizeOrType(targetId)) {
        return false;
      }
      var names = target.type(targetId).enumerators().stream().map(e -> CoreNames.essential(e.name())).toList();
      return local.type(localId).enumerators().stream().allMatch(e -> names.contains(CoreNames.essential(e.name())));
    }
    if (lk != tk) {
      return false;
    }
    switch (lk) {
      case FWD -> {
        return local.kindFlag(localId) == target.kindFlag(targetId);
      }
      case FLOAT -> {
        return local.sizeOrType(localId) == target.sizeOrType(targetId);
      }
      case INT -> {
        return local.sizeOrType(localId) == target.sizeOrType(targetId)
            && local.type(localId).isSigned() == target.type(targetId).isSigned();
      }
      case PTR -> {
        return matches(local, local.ref(localId), target, target.ref(targetId), depth + 1);
      }
      case ARRAY -> {
        BtfArray la = local.type(localId).array();
        BtfArray ta = target.type(targetId).array();
        return la.elementCount() == ta.elementCount()
            && matches(local, la.elementType(), target, ta.elementType(), depth + 1);
      }
      case STRUCT, UNION -> {
        for (BtfMember lm : local.type(localId).members()) {
          BtfMember found = null;
          for (BtfMember tm : target.type(targetId).members()) {
            if (tm.name().equals(lm.name())) {
              found = tm;
              break;
            }
          }
          if (found == null || !matches(local, lm.type(), target, found.type(), depth + 1)) {
            return false;
          }
        }
        return true;
      }
      case FUNC_PROTO -> {
        return compatible(local, localId, target, targetId, depth);
      }
      default -> {
        return false;
      }
    }
  }

  private static boolean isComposite(BtfKind kind) {
    return kind == BtfKind.STRUCT || kind == BtfKind.UNION;
  }

  private static boolean isEnum(BtfKind kind) {
    return kind == BtfKind.ENUM || kind == BtfKind.ENUM64;
  }

  private static boolean namesCompatible(String a, String b) {
    String ea = CoreNames.essential(a);
    String eb = CoreNames.essential(b);
    return ea.isEmpty() || eb.isEmpty() || ea.equals(eb);
  }
}
