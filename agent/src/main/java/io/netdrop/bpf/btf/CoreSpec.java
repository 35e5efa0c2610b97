package io.netdrop.bpf.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * A CO-RE access specification resolved against one BTF: the "turning points" of an access
 * string (the root array index, named members and array indexes; anonymous members are folded
 * into the bit offset) plus the accumulated bit offset.
 */
final class CoreSpec {
  /** libbpf's limit on access string length and nesting. */
  private static final int MAX_LEN = 64;

  /** One turning point: a member of {@code typeId} (name set) or an element index (name null). */
  record Accessor(int typeId, int index, String name) {}

  final Btf btf;
  final int rootId;
  final CoreRelocationKind kind;
  final List<Accessor> accessors = new ArrayList<>();
  long bitOffset;

  private CoreSpec(Btf btf, int rootId, CoreRelocationKind kind) {
    this.btf = btf;
    this.rootId = rootId;
    this.kind = kind;
  }

  /**
   * Parses an access string against the object's own BTF.
   *
   * @throws CoreRelocationException if the string is malformed or does not fit the type
   */
  static CoreSpec parseLocal(Btf btf, int rootId, String access, CoreRelocationKind kind) {
    CoreSpec spec = new CoreSpec(btf, rootId, kind);
    if (kind.isTypeBased()) {
      if (!access.equals("0")) {
        throw bad(btf, rootId, access, "type-based relocation needs access string \"0\"");
      }
      return spec;
    }
    int[] raw = parseAccess(btf, rootId, access);
    int id = btf.skipModifiers(rootId);
    if (kind.isEnumValueBased()) {
      BtfKind k = id == 0 ? null : btf.kind(id);
      if ((k != BtfKind.ENUM && k != BtfKind.ENUM64) || raw.length != 1 || raw[0] >= btf.vlen(id)) {
        throw bad(btf, rootId, access, "enum value relocation needs an enum and one enumerator index");
      }
      spec.accessors.add(new Accessor(id, raw[0], btf.type(id).enumerators().get(raw[0]).name()));
      return spec;
    }
    spec.accessors.add(new Accessor(id, raw[0], null));
    spec.bitOffset = (long) raw[0] * sizeOf(btf, id) * 8;
    for (int i = 1; i < raw.length; i++) {
      id = btf.skipModifiers(id);
      BtfKind k = id == 0 ? null : btf.kind(id);
      int idx = raw[i];
      if (k == BtfKind.STRUCT || k == BtfKind.UNION) {
        if (idx >= btf.vlen(id)) {
          throw bad(btf, rootId, access, "member index " + idx + " out of range for " + btf.type(id));
        }
        spec.bitOffset += btf.memberBitOffset(id, idx);
        String name = btf.memberName(id, idx);
        if (!name.isEmpty()) {
          spec.accessors.add(new Accessor(id, idx, name));
        }
        id = btf.memberType(id, idx);
      } else if (k == BtfKind.ARRAY) {
        BtfArray array = btf.type(id).array();
        int elem = btf.skipModifiers(array.elementType());
        if (!isFlexible(btf, spec.accessors.get(spec.accessors.size() - 1), array) && idx >= array.elementCount()) {
          throw bad(btf, rootId, access, "array index " + idx + " out of bounds");
        }
        spec.accessors.add(new Accessor(elem, idx, null));
        spec.bitOffset += (long) idx * sizeOf(btf, elem) * 8;
        id = elem;
      } else {
        throw bad(btf, rootId, access, "step " + i + " reaches " + (id == 0 ? "void" : btf.type(id)) + ", not a struct, union or array");
      }
    }
    return spec;
  }

  private static int[] parseAccess(Btf btf, int rootId, String access) {
    if (access.isEmpty()) {
      throw bad(btf, rootId, access, "empty access string");
    }
    String[] parts = access.split(":", -1);
    if (parts.length > MAX_LEN) {
      throw bad(btf, rootId, access, "access string longer than " + MAX_LEN);
    }
    int[] raw = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        raw[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        raw[i] = -1;
      }
      if (raw[i] < 0) {
        throw bad(btf, rootId, access, "malformed access string");
      }
    }
    return raw;
  }

  /** A zero-length array that is the last member of a struct may be indexed past its length. */
  private static boolean isFlexible(Btf btf, Accessor enclosing, BtfArray array) {
    return enclosing.name() != null && array.elementCount() == 0
        && enclosing.index() == btf.vlen(enclosing.typeId()) - 1;
  }

  /**
   * Matches a local spec against one target candidate; null if the candidate lacks the field or
   * enumerator or is incompatible.
   */
  static CoreSpec match(CoreSpec local, Btf target, int targetId) {
    CoreSpec spec = new CoreSpec(target, targetId, local.kind);
    if (local.kind.isTypeBased()) {
      boolean ok = local.kind == CoreRelocationKind.TYPE_MATCHES
          ? CoreTypeCompat.typesMatch(local.btf, local.rootId, target, targetId)
          : CoreTypeCompat.typesAreCompatible(local.btf, local.rootId, target, targetId);
      return ok ? spec : null;
    }
    Accessor localAcc = local.accessors.get(0);
    if (local.kind.isEnumValueBased()) {
      int id = target.skipModifiers(targetId);
      BtfKind k = id == 0 ? null : target.kind(id);
      if (k != BtfKind.ENUM && k != BtfKind.ENUM64) {
        return null;
      }
      String wanted = CoreNames.essential(localAcc.name());
      List<BtfEnumerator> values = target.type(id).enumerators();
      for (int i = 0; i < values.size(); i++) {
        if (CoreNames.essential(values.get(i).name()).equals(wanted)) {
          spec.accessors.add(new Accessor(id, i, values.get(i).name()));
          return spec;
        }
      }
      return null;
    }
    int id = targetId;
    for (int i = 0; i < local.accessors.size(); i++) {
      localAcc = local.accessors.get(i);
      id = target.skipModifiers(id);
      if (localAcc.name() != null) {
        int[] next = new int[1];
        if (!spec.matchMember(local.btf, localAcc, id, next, 0)) {
          return null;
        }
        id = next[0];
      } else {
        if (i > 0) {
          if (id == 0 || target.kind(id) != BtfKind.ARRAY) {
            return null;
          }
          BtfArray array = target.type(id).array();
          Accessor enclosing = spec.accessors.get(spec.accessors.size() - 1);
          if (!isFlexible(target, enclosing, array) && localAcc.index() >= array.elementCount()) {
            return null;
          }
          id = target.skipModifiers(array.elementType());
        }
        if (id == 0) {
          return null;
        }
        spec.accessors.add(new Accessor(id, localAcc.index(), null));
        spec.bitOffset += (long) localAcc.index() * sizeOf(target, id) * 8;
      }
    }
    return spec;
  }

  /**
   * Finds the local member by name in target struct/union {@code id}, descending into anonymous
   * members, and appends its accessor; the member's type id goes to {@code next[0]}.
   */
  private boolean matchMember(Btf localBtf, Accessor localAcc, int id, int[] next, int depth) {
    id = btf.skipModifiers(id);
    if (id == 0 || depth > MAX_LEN) {
      return false;
    }
    BtfKind k = btf.kind(id);
    if (k != BtfKind.STRUCT && k != BtfKind.UNION) {
      return false;
    }
    int localMemberType = localBtf.memberType(localAcc.typeId(), localAcc.index());
    int n = btf.vlen(id);
    for (int i = 0; i < n; i++) {
      long bits = btf.memberBitOffset(id, i);
      String name = btf.memberName(id, i);
      if (name.isEmpty()) {
        bitOffset += bits;
        if (matchMember(localBtf, localAcc, btf.memberType(id, i), next, depth + 1)) {
          return true;
        }
        bitOffset -= bits;
      } else if (name.equals(localAcc.name())) {
        if (!CoreTypeCompat.fieldsAreCompatible(localBtf, localMemberType, btf, btf.memberType(id, i))) {
          return false;
        }
        bitOffset += bits;
        accessors.add(new Accessor(id, i, name));
        next[0] = btf.memberType(id, i);
        return true;
      }
    }
    return false;
  }

  /** The access path as C would spell it, e.g. {@code sk_buff.len} or {@code skb_drop_reason::SKB_CONSUMED}. */
  String describe() {
    StringBuilder sb = new StringBuilder(btf.name(rootId).isEmpty() ? "(anon)" : btf.name(rootId));
    if (kind.isEnumValueBased()) {
      return sb.append("::").append(accessors.get(0).name()).toString();
    }
    for (int i = 0; i < accessors.size(); i++) {
      Accessor acc = accessors.get(i);
      if (acc.name() != null) {
        sb.append('.').append(acc.name());
      } else if (i > 0 || acc.index() > 0) {
        sb.append('[').append(acc.index()).append(']');
      }
    }
    return sb.toString();
  }

  static long sizeOf(Btf btf, int id) {
    try {
      return btf.sizeOf(id);
    } catch (BtfFormatException e) {
      throw new CoreRelocationException("CO-RE: " + e.getMessage());
    }
  }

  private static CoreRelocationException bad(Btf btf, int rootId, String access, String why) {
    return new CoreRelocationException("CO-RE relocation on " + btf.type(rootId) + " with access string \""
        + access + "\": " + why);
  }
}
