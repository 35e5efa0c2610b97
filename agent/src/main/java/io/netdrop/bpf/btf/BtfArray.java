package io.netdrop.bpf.btf;

/**
 * The description of an ARRAY type.
 *
 * @param elementType type id of the elements
 * @param indexType type id of the index
 * @param elementCount number of elements, as an unsigned 32-bit value
 */
public record BtfArray(int elementType, int indexType, long elementCount) {}
