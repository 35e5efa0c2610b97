package io.netdrop.bpf.btf;

/**
 * Rewrites one relocated BPF instruction (8 bytes, little-endian: code, regs, s16 off, s32 imm)
 * the way libbpf does.
 */
final class CoreInsnPatcher {
  static final int INSN_SIZE = 8;
  /** An unknown helper id: if the verifier reaches a poisoned call it reports "invalid func unknown#195896080". */
  static final int POISON_HELPER = 0xbad2310;

  private static final int CLASS_LD = 0x00;
  private static final int CLASS_LDX = 0x01;
  private static final int CLASS_ST = 0x02;
  private static final int CLASS_STX = 0x03;
  private static final int CLASS_ALU = 0x04;
  private static final int CLASS_ALU64 = 0x07;
  private static final int LD_IMM64 = 0x18;
  private static final int CALL = 0x85;
  private static final int SRC_X = 0x08;

  private CoreInsnPatcher() {}

  /** Replaces the instruction (both halves of an ld_imm64) with a call to a nonexistent helper. */
  static void poison(byte[] insns, int pos) {
    if ((insns[pos] & 0xff) == LD_IMM64 && pos + 2 * INSN_SIZE <= insns.length) {
      poisonOne(insns, pos + INSN_SIZE);
    }
    poisonOne(insns, pos);
  }

  private static void poisonOne(byte[] insns, int pos) {
    insns[pos] = (byte) CALL;
    insns[pos + 1] = 0;
    putShort(insns, pos + 2, 0);
    putInt(insns, pos + 4, POISON_HELPER);
  }

  /**
   * Patches the instruction at {@code pos} from {@code orig} (the local value) to {@code result}.
   *
   * @return null on success, or the reason to poison the instruction instead
   * @throws CoreRelocationException if the instruction cannot carry this relocation
   */
  static String patch(byte[] insns, int pos, CoreValue orig, CoreValue result, boolean memSizeAdjustable,
      String where) {
    int code = insns[pos] & 0xff;
    long value = result.value();
    switch (code & 0x07) {
      case CLASS_ALU, CLASS_ALU64 -> {
        if ((code & SRC_X) != 0) {
          throw new CoreRelocationException(where + ": ALU instruction with a register source cannot be relocated");
        }
        int imm = getInt(insns, pos + 4);
        if (orig.validate() && imm != (int) orig.value()) {
          throw mismatch(where, "ALU imm", imm, orig.value());
        }
        putInt(insns, pos + 4, (int) value);
      }
      case CLASS_LDX, CLASS_ST, CLASS_STX -> {
        int off = getShort(insns, pos + 2);
        if (orig.validate() && off != orig.value()) {
          throw mismatch(where, "load/store offset", off, orig.value());
        }
        if (value > Short.MAX_VALUE || value < 0) {
          throw new CoreRelocationException(where + ": offset " + value + " does not fit a load/store instruction");
        }
        if (orig.memSize() != result.memSize()) {
          if (!memSizeAdjustable) {
            return "field size differs (" + orig.memSize() + " bytes locally, " + result.memSize()
                + " in kernel) and is not a pointer or unsigned integer";
          }
          int sizeBits = sizeCode(orig.memSize());
          if (sizeBits < 0 || (code & 0x18) != sizeBits) {
            throw new CoreRelocationException(where + ": load/store width does not match the local field size "
                + orig.memSize());
          }
          int newBits = sizeCode(result.memSize());
          if (newBits < 0) {
            throw new CoreRelocationException(where + ": kernel field size " + result.memSize() + " cannot be loaded");
          }
          insns[pos] = (byte) ((code & ~0x18) | newBits);
        }
        putShort(insns, pos + 2, (int) value);
      }
      case CLASS_LD -> {
        if (code != LD_IMM64 || pos + 2 * INSN_SIZE > insns.length || (insns[pos + 1] & 0xf0) != 0
            || getShort(insns, pos + 2) != 0 || insns[pos + INSN_SIZE] != 0 || insns[pos + INSN_SIZE + 1] != 0
            || getShort(insns, pos + INSN_SIZE + 2) != 0) {
          throw new CoreRelocationException(where + ": ld_imm64 instruction has an unexpected form");
        }
        long imm = (getInt(insns, pos + 4) & 0xffffffffL) | ((long) getInt(insns, pos + INSN_SIZE + 4) << 32);
        if (orig.validate() && imm != orig.value()) {
          throw mismatch(where, "ld_imm64 value", imm, orig.value());
        }
        putInt(insns, pos + 4, (int) value);
        putInt(insns, pos + INSN_SIZE + 4, (int) (value >>> 32));
      }
      default -> throw new CoreRelocationException(String.format("%s: instruction code 0x%02x cannot be relocated", where, code));
    }
    return null;
  }

  private static CoreRelocationException mismatch(String where, String what, long actual, long expected) {
    return new CoreRelocationException(where + ": " + what + " is " + actual + " but the object's BTF says " + expected);
  }

  private static int sizeCode(int bytes) {
    return switch (bytes) {
      case 4 -> 0x00;
      case 2 -> 0x08;
      case 1 -> 0x10;
      case 8 -> 0x18;
      default -> -1;
    };
  }

  private static int getShort(byte[] b, int pos) {
    return (short) ((b[pos] & 0xff) | (b[pos + 1] << 8));
  }

  private static int getInt(byte[] b, int pos) {
    return (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | b[pos + 3] << 24;
  }

  private static void putShort(byte[] b, int pos, int v) {
    b[pos] = (byte) v;
    b[pos + 1] = (byte) (v >> 8);
  }

  private static void putInt(byte[] b, int pos, int v) {
    b[pos] = (byte) v;
    b[pos + 1] = (byte) (v >> 8);
    b[pos + 2] = (byte) (v >> 16);
    b[pos + 3] = (byte) (v >> 24);
  }
}
