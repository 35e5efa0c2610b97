package io.netdrop.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Just enough of an eBPF assembler to hand-write the benchmark's producer program: each method
 * appends one {@code struct bpf_insn} (two for 64-bit immediates). Little-endian hosts only.
 */
final class BpfAsm {
  static final int R0 = 0;
  static final int R1 = 1;
  static final int R2 = 2;
  static final int R3 = 3;
  static final int R4 = 4;
  static final int R10 = 10;

  private static final int MAX_INSNS = 256;

  private final ByteBuffer out = ByteBuffer.allocate(8 * MAX_INSNS).order(ByteOrder.LITTLE_ENDIAN);

  BpfAsm() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("BpfAsm encodes little-endian instructions only");
    }
  }

  /** dst is the low nibble and src the high nibble of byte 1 (bitfields on a little-endian host). */
  private BpfAsm insn(int code, int dst, int src, int off, int imm) {
    out.put((byte) code).put((byte) ((src << 4) | dst)).putShort((short) off).putInt(imm);
    return this;
  }

  BpfAsm movImm(int dst, int imm) {
    return insn(0xb7, dst, 0, 0, imm); // ALU64 | MOV | K
  }

  BpfAsm movReg(int dst, int src) {
    return insn(0xbf, dst, src, 0, 0); // ALU64 | MOV | X
  }

  BpfAsm addImm(int dst, int imm) {
    return insn(0x07, dst, 0, 0, imm); // ALU64 | ADD | K
  }

  BpfAsm ldImm64(int dst, long value) {
    insn(0x18, dst, 0, 0, (int) value); // LD | IMM | DW: the high half rides in a second slot
    return insn(0, 0, 0, 0, (int) (value >>> 32));
  }

  BpfAsm ldMapFd(int dst, int mapFd) {
    // src_reg = BPF_PSEUDO_MAP_FD: the verifier swaps the fd for the map's address.
    insn(0x18, dst, 1, 0, mapFd);
    return insn(0, 0, 0, 0, 0);
  }

  BpfAsm stxW(int dst, int off, int src) {
    return insn(0x63, dst, src, off, 0); // STX | MEM | W
  }

  BpfAsm stxDw(int dst, int off, int src) {
    return insn(0x7b, dst, src, off, 0); // STX | MEM | DW
  }

  BpfAsm stW(int dst, int off, int imm) {
    return insn(0x62, dst, 0, off, imm); // ST | MEM | W
  }

  BpfAsm stDw(int dst, int off, int imm) {
    return insn(0x7a, dst, 0, off, imm); // ST | MEM | DW, imm sign-extended
  }

  BpfAsm call(int helper) {
    return insn(0x85, 0, 0, 0, helper);
  }

  BpfAsm exit() {
    return insn(0x95, 0, 0, 0, 0);
  }

  byte[] bytes() {
    return Arrays.copyOf(out.array(), out.position());
  }
}
