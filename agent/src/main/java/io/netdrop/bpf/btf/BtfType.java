package io.netdrop.bpf.btf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A read-only view of one BTF type. Accessors that only make sense for some kinds say which;
 * list accessors return an empty list for other kinds, scalar ones throw {@link IllegalStateException}.
 */
public final class BtfType {
  private final Btf btf;
  private final int id;

  BtfType(Btf btf, int id) {
    this.btf = btf;
    this.id = id;
  }

  public int id() {
    return id;
  }

  public BtfKind kind() {
    return btf.kind(id);
  }

  /** The name, empty for anonymous types. */
  public String name() {
    return btf.name(id);
  }

  /** The vlen field: number of members, parameters, enumerators or section variables. */
  public int vlen() {
    return btf.vlen(id);
  }

  /** The kind_flag bit: bitfield encoding for STRUCT/UNION, signedness for ENUM/ENUM64, union for FWD. */
  public boolean kindFlag() {
    return btf.kindFlag(id);
  }

  /** Byte size for INT, STRUCT, UNION, ENUM, ENUM64, FLOAT and DATASEC. */
  public long size() {
    switch (kind()) {
      case INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC -> {
        return btf.sizeOrType(id);
      }
      default -> throw wrongKind("size");
    }
  }

  /**
   * Referenced type id for PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, FUNC (its prototype),
   * FUNC_PROTO (return type), VAR and DECL_TAG.
   */
  public int typeRef() {
    switch (kind()) {
      case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, FUNC, FUNC_PROTO, VAR, DECL_TAG -> {
        return btf.ref(id);
      }
      default -> throw wrongKind("typeRef");
    }
  }

  /** INT encoding bits: 1 signed, 2 char, 4 bool. */
  public int intEncoding() {
    return (intInfo() >>> 24) & 0x0f;
  }

  /** INT bit offset (legacy bitfield encoding, normally 0). */
  public int intOffset() {
    return (intInfo() >>> 16) & 0xff;
  }

  /** INT width in bits. */
  public int intBits() {
    return intInfo() & 0xff;
  }

  private int intInfo() {
    if (kind() != BtfKind.INT) {
      throw wrongKind("int encoding");
    }
    return btf.intAt(btf.trailer(id));
  }

  /** Whether an INT is signed, or an ENUM/ENUM64 has signed values. */
  public boolean isSigned() {
    BtfKind kind = kind();
    if (kind == BtfKind.INT) {
      return (intEncoding() & 1) != 0;
    }
    if (kind == BtfKind.ENUM || kind == BtfKind.ENUM64) {
      return kindFlag();
    }
    return false;
  }

  /** The ARRAY description. */
  public BtfArray array() {
    if (kind() != BtfKind.ARRAY) {
      throw wrongKind("array");
    }
    int pos = btf.trailer(id);
    return new BtfArray(btf.intAt(pos), btf.intAt(pos + 1), btf.u32At(pos + 2));
  }

  /** Members of a STRUCT or UNION. */
  public List<BtfMember> members() {
    BtfKind kind = kind();
    if (kind != BtfKind.STRUCT && kind != BtfKind.UNION) {
      return List.of();
    }
    int n = vlen();
    List<BtfMember> members = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      members.add(new BtfMember(btf.memberName(id, i), btf.memberType(id, i),
          btf.memberBitOffset(id, i), btf.memberBitfieldSize(id, i)));
    }
    return Collections.unmodifiableList(members);
  }

  /** Parameters of a FUNC_PROTO. */
  public List<BtfParam> params() {
    if (kind() != BtfKind.FUNC_PROTO) {
      return List.of();
    }
    int n = vlen();
    int pos = btf.trailer(id);
    List<BtfParam> params = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      params.add(new BtfParam(btf.string(btf.u32At(pos + i * 2)), btf.intAt(pos + i * 2 + 1)));
    }
    return Collections.unmodifiableList(params);
  }

  /** Enumerators of an ENUM or ENUM64, values sign- or zero-extended per {@link #isSigned()}. */
  public List<BtfEnumerator> enumerators() {
    BtfKind kind = kind();
    int n = vlen();
    int pos = btf.trailer(id);
    boolean signed = kindFlag();
    List<BtfEnumerator> values = new ArrayList<>(n);
    if (kind == BtfKind.ENUM) {
      for (int i = 0; i < n; i++) {
        int raw = btf.intAt(pos + i * 2 + 1);
        values.add(new BtfEnumerator(btf.string(btf.u32At(pos + i * 2)), signed ? raw : raw & 0xffffffffL));
      }
    } else if (kind == BtfKind.ENUM64) {
      for (int i = 0; i < n; i++) {
        long value = btf.u32At(pos + i * 3 + 1) | (btf.u32At(pos + i * 3 + 2) << 32);
        values.add(new BtfEnumerator(btf.string(btf.u32At(pos + i * 3)), value));
      }
    }
    return Collections.unmodifiableList(values);
  }

  /** Variables of a DATASEC. */
  public List<BtfVarSecinfo> varSecinfos() {
    if (kind() != BtfKind.DATASEC) {
      return List.of();
    }
    int n = vlen();
    int pos = btf.trailer(id);
    List<BtfVarSecinfo> vars = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int p = pos + i * 3;
      vars.add(new BtfVarSecinfo(btf.intAt(p), btf.u32At(p + 1), btf.u32At(p + 2)));
    }
    return Collections.unmodifiableList(vars);
  }

  /** Linkage of a VAR (0 static, 1 global, 2 extern) or FUNC (held in vlen). */
  public int linkage() {
    switch (kind()) {
      case VAR -> {
        return btf.intAt(btf.trailer(id));
      }
      case FUNC -> {
        return vlen();
      }
      default -> throw wrongKind("linkage");
    }
  }

  /** DECL_TAG component index: -1 for the type itself, else the member or parameter index. */
  public int componentIndex() {
    if (kind() != BtfKind.DECL_TAG) {
      throw wrongKind("componentIndex");
    }
    return btf.intAt(btf.trailer(id));
  }

  private IllegalStateException wrongKind(String what) {
    return new IllegalStateException("BTF type [" + id + "] is " + kind() + ", which has no " + what);
  }

  @Override
  public String toString() {
    String name = name();
    return "[" + id + "] " + kind() + " '" + (name.isEmpty() ? "(anon)" : name) + "'";
  }
}
