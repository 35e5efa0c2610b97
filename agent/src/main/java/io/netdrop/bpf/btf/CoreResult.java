package io.netdrop.bpf.btf;

import java.util.List;

/**
 * Outcome of {@link CoreRelocator#apply}.
 *
 * @param applied relocations whose instruction was patched, including existence checks answered
 *     with 0 because the kernel lacks the field, type or enumerator
 * @param unsatisfied one message per relocation the target cannot satisfy (its instruction was
 *     poisoned), naming the type, the field or enumerator, the relocation kind and the instruction index
 */
public record CoreResult(int applied, List<String> unsatisfied) {
  public CoreResult {
    unsatisfied = List.copyOf(unsatisfied);
  }
}
