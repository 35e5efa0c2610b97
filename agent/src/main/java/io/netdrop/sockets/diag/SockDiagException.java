package io.netdrop.sockets.diag;

import io.netdrop.bpf.BpfException;

/**
 * A sock_diag query failed: the netlink socket could not be opened or used, the kernel answered
 * with an error, or its reply was malformed. The message names which, and where.
 */
public final class SockDiagException extends BpfException {
  private static final long serialVersionUID = 1L;

  public SockDiagException(String message) {
    super(message);
  }

  public SockDiagException(String message, Throwable cause) {
    super(message, cause);
  }
}
