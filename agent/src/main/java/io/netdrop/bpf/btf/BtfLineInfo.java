package io.netdrop.bpf.btf;

/**
 * One {@code .BTF.ext} line_info record.
 *
 * @param insnOffset byte offset of the instruction from the start of its ELF section
 * @param fileNameOffset string offset of the source file name in the object's BTF
 * @param lineOffset string offset of the source line text in the object's BTF
 * @param lineNumber source line number
 * @param column source column
 */
public record BtfLineInfo(int insnOffset, long fileNameOffset, long lineOffset, int lineNumber, int column) {}
