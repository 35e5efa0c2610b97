package io.netdrop.bpf.btf;

/**
 * One variable of a DATASEC.
 *
 * @param type type id of the VAR (or FUNC for ksyms)
 * @param offset byte offset of the variable in the section
 * @param size byte size of the variable
 */
public record BtfVarSecinfo(int type, long offset, long size) {}
