package io.netdrop.bpf.btf;

import io.netdrop.bpf.BpfException;

/** Raised when a BTF or BTF.ext blob is malformed; the message names the offending header field, type or record. */
public final class BtfFormatException extends BpfException {
  private static final long serialVersionUID = 1L;

  public BtfFormatException(String message) {
    super(message);
  }

  public BtfFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
