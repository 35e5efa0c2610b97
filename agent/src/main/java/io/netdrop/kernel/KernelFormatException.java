package io.netdrop.kernel;

import io.netdrop.bpf.BpfException;

/**
 * A kernel interface (a tracefs format file, /proc/kallsyms, /proc/self/status, a release string)
 * produced text that netdrop cannot interpret; the message names the input and what is wrong.
 */
public final class KernelFormatException extends BpfException {
  private static final long serialVersionUID = 1L;

  public KernelFormatException(String message) {
    super(message);
  }

  public KernelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
