package io.netdrop.bpf.btf;

/**
 * One value of an ENUM or ENUM64; the value is sign- or zero-extended as the enum's signedness says.
 *
 * @param name enumerator name
 * @param value enumerator value
 */
public record BtfEnumerator(String name, long value) {}
