package io.netdrop.sockets;

import io.netdrop.bpf.BpfException;

/** Reading this process's sockets or namespaces from /proc failed; the message names the file. */
public final class SocketScanException extends BpfException {
  private static final long serialVersionUID = 1L;

  public SocketScanException(String message) {
    super(message);
  }

  public SocketScanException(String message, Throwable cause) {
    super(message, cause);
  }
}
