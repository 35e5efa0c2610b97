package io.netdrop.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** A tiny eBPF assembler for tests: each method appends one {@code struct bpf_insn}. */
final class Asm {
  static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R10 = 10;

  private final ByteBuffer out = ByteBuffer.allocate(8 * 512).order(ByteOrder.LITTLE_ENDIAN);

  Asm() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("test assembler encodes little-endian instructions only");
    }
  }

  /** Raw instruction: dst in the low nibble, src in the high nibble (little-endian bitfields). */
  Asm insn(int code, int dst, int src, int off, int imm) {
    out.put((byte) code).put((byte) ((src << 4) | dst)).putShort((short) off).putInt(imm);
    return this;
  }

  Asm movImm(int dst, int imm) {
    return insn(0xb7, dst, 0, 0, imm); // ALU64 | MOV | K
  }

  Asm movReg(int dst, int src) {
    return insn(0xbf, dst, src, 0, 0); // ALU64 | MOV | X
  }

  Asm addImm(int dst, int imm) {
    return insn(0x07, dst, 0, 0, imm); // ALU64 | ADD | K
  }

  Asm ldMapFd(int dst, int mapFd) {
    // LD | IMM | DW with src_reg = BPF_PSEUDO_MAP_FD: the kernel swaps the fd for the map pointer.
    insn(0x18, dst, 1, 0, mapFd);
    return insn(0, 0, 0, 0, 0);
  }

  Asm stxW(int dst, int off, int src) {
    return insn(0x63, dst, src, off, 0); // STX | MEM | W
  }

  Asm stxDw(int dst, int off, int src) {
    return insn(0x7b, dst, src, off, 0); // STX | MEM | DW
  }

  Asm ldxDw(int dst, int src, int off) {
    return insn(0x79, dst, src, off, 0); // LDX | MEM | DW
  }

  Asm jeqImm(int dst, int imm, int skip) {
    return insn(0x15, dst, 0, skip, imm); // JMP | JEQ | K
  }

  Asm call(int helper) {
    return insn(0x85, 0, 0, 0, helper);
  }

  Asm exit() {
    return insn(0x95, 0, 0, 0, 0);
  }

  byte[] bytes() {
    return Arrays.copyOf(out.array(), out.position());
  }

  /** {@code r0 = value; exit}. */
  static byte[] returning(int value) {
    return new Asm().movImm(R0, value).exit().bytes();
  }
}
