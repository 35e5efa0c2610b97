package io.netdrop.bpf.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test-only writer of raw BTF blobs, one method per kind. Ids are assigned in call order from 1. */
final class BtfBuilder {
  private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
  private final Map<String, Integer> stringOffsets = new HashMap<>();
  private final List<int[]> types = new ArrayList<>();
  private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

  BtfBuilder() {
    strings.write(0);
    stringOffsets.put("", 0);
  }

  BtfBuilder order(ByteOrder order) {
    this.order = order;
    return this;
  }

  int str(String s) {
    return stringOffsets.computeIfAbsent(s, k -> {
      int off = strings.size();
      strings.writeBytes(k.getBytes(StandardCharsets.UTF_8));
      strings.write(0);
      return off;
    });
  }

  /** Raw type: header words then trailer words. */
  int raw(int nameOff, BtfKind kind, int vlen, boolean kindFlag, long sizeOrType, int... trailer) {
    int info = (kind.value() << 24) | (vlen & 0xffff) | (kindFlag ? 1 << 31 : 0);
    int[] words = new int[3 + trailer.length];
    words[0] = nameOff;
    words[1] = info;
    words[2] = (int) sizeOrType;
    System.arraycopy(trailer, 0, words, 3, trailer.length);
    types.add(words);
    return types.size();
  }

  int integer(String name, int size, boolean signed) {
    return raw(str(name), BtfKind.INT, 0, false, size, (signed ? 1 << 24 : 0) | size * 8);
  }

  int ptr(int target) {
    return raw(0, BtfKind.PTR, 0, false, target);
  }

  int ref(BtfKind kind, String name, int target) {
    return raw(str(name), kind, 0, false, target);
  }

  int array(int elem, int index, int count) {
    return raw(0, BtfKind.ARRAY, 0, false, 0, elem, index, count);
  }

  /** Members as (name, type, bitOffset) triples. */
  int struct(String name, int size, Object... members) {
    return composite(BtfKind.STRUCT, name, size, members);
  }

  int union(String name, int size, Object... members) {
    return composite(BtfKind.UNION, name, size, members);
  }

  private int composite(BtfKind kind, String name, int size, Object... members) {
    int n = members.length / 3;
    int[] trailer = new int[n * 3];
    for (int i = 0; i < n; i++) {
      trailer[i * 3] = str((String) members[i * 3]);
      trailer[i * 3 + 1] = (Integer) members[i * 3 + 1];
      trailer[i * 3 + 2] = (Integer) members[i * 3 + 2];
    }
    return raw(str(name), kind, n, false, size, trailer);
  }

  /** Bitfield struct (kind_flag set): members as (name, type, bitOffset, bitSize). */
  int bitfieldStruct(String name, int size, Object... members) {
    int n = members.length / 4;
    int[] trailer = new int[n * 3];
    for (int i = 0; i < n; i++) {
      trailer[i * 3] = str((String) members[i * 4]);
      trailer[i * 3 + 1] = (Integer) members[i * 4 + 1];
      trailer[i * 3 + 2] = ((Integer) members[i * 4 + 3] << 24) | (Integer) members[i * 4 + 2];
    }
    return raw(str(name), BtfKind.STRUCT, n, true, size, trailer);
  }

  /** Enumerators as (name, value) pairs. */
  int enumeration(String name, int size, boolean signed, Object... values) {
    int n = values.length / 2;
    int[] trailer = new int[n * 2];
    for (int i = 0; i < n; i++) {
      trailer[i * 2] = str((String) values[i * 2]);
      trailer[i * 2 + 1] = ((Number) values[i * 2 + 1]).intValue();
    }
    return raw(str(name), BtfKind.ENUM, n, signed, size, trailer);
  }

  int enum64(String name, boolean signed, Object... values) {
    int n = values.length / 2;
    int[] trailer = new int[n * 3];
    for (int i = 0; i < n; i++) {
      long v = ((Number) values[i * 2 + 1]).longValue();
      trailer[i * 3] = str((String) values[i * 2]);
      trailer[i * 3 + 1] = (int) v;
      trailer[i * 3 + 2] = (int) (v >>> 32);
    }
    return raw(str(name), BtfKind.ENUM64, n, signed, 8, trailer);
  }

  /** Params as (name, type) pairs. */
  int funcProto(int returnType, Object... params) {
    int n = params.length / 2;
    int[] trailer = new int[n * 2];
    for (int i = 0; i < n; i++) {
      trailer[i * 2] = str((String) params[i * 2]);
      trailer[i * 2 + 1] = (Integer) params[i * 2 + 1];
    }
    return raw(0, BtfKind.FUNC_PROTO, n, false, returnType, trailer);
  }

  int func(String name, int proto, int linkage) {
    return raw(str(name), BtfKind.FUNC, linkage, false, proto);
  }

  int variable(String name, int type, int linkage) {
    return raw(str(name), BtfKind.VAR, 0, false, type, linkage);
  }

  /** Vars as (type, offset, size) triples. */
  int datasec(String name, int size, int... vars) {
    return raw(str(name), BtfKind.DATASEC, vars.length / 3, false, size, vars);
  }

  int fwd(String name, boolean union) {
    return raw(str(name), BtfKind.FWD, 0, union, 0);
  }

  int floating(String name, int size) {
    return raw(str(name), BtfKind.FLOAT, 0, false, size);
  }

  int declTag(String name, int type, int component) {
    return raw(str(name), BtfKind.DECL_TAG, 0, false, type, component);
  }

  byte[] build() {
    int typeLen = types.stream().mapToInt(w -> w.length * 4).sum();
    byte[] strs = strings.toByteArray();
    ByteBuffer b = ByteBuffer.allocate(24 + typeLen + strs.length).order(order);
    b.putShort((short) Btf.MAGIC).put((byte) 1).put((byte) 0).putInt(24);
    b.putInt(0).putInt(typeLen).putInt(typeLen).putInt(strs.length);
    for (int[] words : types) {
      for (int w : words) {
        b.putInt(w);
      }
    }
    b.put(strs);
    return b.array();
  }

  Btf parse() {
    return Btf.parse(ByteBuffer.wrap(build()));
  }
}
