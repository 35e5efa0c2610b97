package io.netdrop.bpf.btf;

/**
 * A member of a STRUCT or UNION.
 *
 * @param name member name, empty for an anonymous embedded struct/union
 * @param type type id of the member
 * @param bitOffset offset from the start of the enclosing type, in bits
 * @param bitfieldSize width of a bitfield in bits, 0 if the member is not a bitfield
 */
public record BtfMember(String name, int type, long bitOffset, int bitfieldSize) {}
