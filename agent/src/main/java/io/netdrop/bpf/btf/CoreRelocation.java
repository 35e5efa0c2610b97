package io.netdrop.bpf.btf;

import java.util.Objects;

/**
 * One {@code .BTF.ext} core_relo record.
 *
 * @param insnOffset byte offset of the instruction from the start of its ELF section
 * @param typeId root type id in the object's BTF
 * @param accessString accessor indexes such as {@code 0:1:2} (first is the array index on the root)
 * @param kind what to relocate
 */
public record CoreRelocation(int insnOffset, int typeId, String accessString, CoreRelocationKind kind) {
  public CoreRelocation {
    Objects.requireNonNull(accessString, "accessString");
    Objects.requireNonNull(kind, "kind");
  }
}
