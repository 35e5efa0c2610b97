package io.netdrop.drops;

import io.netdrop.bpf.BpfException;

/** A ring-buffer record cannot be decoded as a drop event, e.g. it is cut short. */
public final class DropDecodeException extends BpfException {
  private static final long serialVersionUID = 1L;

  public DropDecodeException(String message) {
    super(message);
  }
}
