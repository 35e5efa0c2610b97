package io.netdrop.bpf.btf;

/**
 * A FUNC_PROTO parameter; a trailing parameter with type 0 and no name marks varargs.
 *
 * @param name parameter name, often empty
 * @param type type id of the parameter
 */
public record BtfParam(String name, int type) {}
