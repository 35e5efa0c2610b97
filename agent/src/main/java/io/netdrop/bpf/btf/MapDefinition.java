package io.netdrop.bpf.btf;

/**
 * A map declared BTF-style in a BPF object's {@code .maps} section. Sizes are in bytes; an
 * attribute the declaration leaves out is 0 (e.g. a ring buffer has no key or value).
 *
 * @param name the variable name, which is also the map name
 * @param type {@code BPF_MAP_TYPE_*} value
 * @param keySize key size, from {@code __type(key, T)} or {@code __uint(key_size, n)}
 * @param valueSize value size, from {@code __type(value, T)} or {@code __uint(value_size, n)}
 * @param maxEntries {@code max_entries}
 * @param flags {@code map_flags}
 */
public record MapDefinition(String name, int type, int keySize, int valueSize, int maxEntries, int flags) {}
