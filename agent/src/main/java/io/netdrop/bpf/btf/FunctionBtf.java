package io.netdrop.bpf.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The smallest BTF a program with callbacks needs: the verifier refuses a callback ({@code
 * BPF_PSEUDO_FUNC}) unless the program's load carries func_info, one BTF {@code FUNC} per function.
 * Each function gets the prototype {@code int (void)}; the kernel checks the prototypes of global
 * subprograms only, and the program's entry and its static callbacks are not. Built here rather than
 * taken from the object's {@code .BTF}, which the kernel accepts only after fix-ups (section sizes,
 * variable offsets) this loader has no other use for.
 */
public final class FunctionBtf {
  private static final int MAGIC = 0xeb9f;
  private static final int HEADER_LEN = 24;
  private static final int INT_SIGNED = 1;
  /** BTF_FUNC_STATIC and BTF_FUNC_GLOBAL, the linkage in a FUNC's vlen. */
  private static final int STATIC = 0;
  private static final int GLOBAL = 1;
  /** Type ids: 1 is {@code int}, 2 the prototype, functions from 3 in the order given. */
  private static final int FIRST_FUNC_ID = 3;

  private FunctionBtf() {}

  /**
   * A native-order BTF blob: {@code int}, {@code int (void)} and one FUNC per name, the first
   * global (the program), the others static (its callbacks). The FUNC of {@code names.get(i)} has
   * type id {@link #funcTypeId}{@code (i)}.
   */
  public static byte[] of(List<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("no function names");
    }
    ByteArrayOutputStream strings = new ByteArrayOutputStream();
    strings.write(0);
    int intName = append(strings, "int");
    int[] funcNames = new int[names.size()];
    for (int i = 0; i < names.size(); i++) {
      funcNames[i] = append(strings, names.get(i));
    }
    int typeLen = 16 + 12 + 12 * names.size();
    ByteBuffer b =
        ByteBuffer.allocate(HEADER_LEN + typeLen + strings.size()).order(ByteOrder.nativeOrder());
    b.putShort((short) MAGIC).put((byte) 1).put((byte) 0).putInt(HEADER_LEN);
    b.putInt(0).putInt(typeLen).putInt(typeLen).putInt(strings.size());
    // [1] INT 'int' size 4, signed 32 bits
    b.putInt(intName).putInt(BtfKind.INT.value() << 24).putInt(4).putInt((INT_SIGNED << 24) | 32);
    // [2] FUNC_PROTO int (void)
    b.putInt(0).putInt(BtfKind.FUNC_PROTO.value() << 24).putInt(1);
    for (int i = 0; i < names.size(); i++) {
      int linkage = i == 0 ? GLOBAL : STATIC;
      b.putInt(funcNames[i]).putInt((BtfKind.FUNC.value() << 24) | linkage).putInt(2);
    }
    b.put(strings.toByteArray());
    return b.array();
  }

  /** The type id of the FUNC of the {@code index}-th name given to {@link #of}. */
  public static int funcTypeId(int index) {
    return FIRST_FUNC_ID + index;
  }

  private static int append(ByteArrayOutputStream strings, String s) {
    int offset = strings.size();
    strings.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    strings.write(0);
    return offset;
  }
}
