package io.netdrop.bpf;

/**
 * Base of every error the eBPF loader reports: bad input (a corrupt ELF or BTF object), a kernel
 * that lacks a feature, or a syscall the kernel refused. The message always names what is wrong.
 */
public class BpfException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BpfException(String message) {
    super(message);
  }

  public BpfException(String message, Throwable cause) {
    super(message, cause);
  }
}
