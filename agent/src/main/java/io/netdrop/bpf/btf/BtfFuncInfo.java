package io.netdrop.bpf.btf;

/**
 * One {@code .BTF.ext} func_info record.
 *
 * @param insnOffset byte offset of the function's first instruction from the start of its ELF section
 * @param typeId FUNC type id in the object's BTF
 */
public record BtfFuncInfo(int insnOffset, int typeId) {}
