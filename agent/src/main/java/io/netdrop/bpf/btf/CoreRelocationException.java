package io.netdrop.bpf.btf;

import io.netdrop.bpf.BpfException;

/**
 * Raised when a CO-RE relocation is malformed or cannot be decided: a bad access string, an
 * instruction that does not match the relocation, or several kernel candidates that disagree.
 * A relocation that is merely unsatisfiable on this kernel is not an exception; see {@link CoreResult}.
 */
public final class CoreRelocationException extends BpfException {
  private static final long serialVersionUID = 1L;

  public CoreRelocationException(String message) {
    super(message);
  }
}
