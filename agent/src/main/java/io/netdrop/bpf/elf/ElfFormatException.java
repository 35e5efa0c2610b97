package io.netdrop.bpf.elf;

import io.netdrop.bpf.BpfException;

/**
 * A BPF object file is malformed or uses a feature the loader does not support. The message names
 * the section, symbol or program concerned and what is wrong with it.
 */
public final class ElfFormatException extends BpfException {
  private static final long serialVersionUID = 1L;

  public ElfFormatException(String message) {
    super(message);
  }

  public ElfFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
