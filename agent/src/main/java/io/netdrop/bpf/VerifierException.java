package io.netdrop.bpf;

/**
 * The verifier rejected a program. The message names the program and ends with the tail of the
 * verifier log, where the reason for the rejection is; {@link #log()} holds the whole log.
 */
public final class VerifierException extends BpfSyscallException {
  private static final long serialVersionUID = 1L;
  private static final int TAIL_LINES = 25;
  private static final int TAIL_CHARS = 4000;

  private final String log;

  public VerifierException(String programName, int errno, String log) {
    super(
        "BPF_PROG_LOAD",
        errno,
        describe("BPF_PROG_LOAD", "program '" + programName + "'", errno)
            + "\nverifier log (tail):\n"
            + tail(log));
    this.log = log;
  }

  /** The complete verifier log (log_level 1) as the kernel returned it. */
  public String log() {
    return log;
  }

  private static String tail(String log) {
    String trimmed = log.strip();
    int start = trimmed.length();
    for (int lines = 0; lines < TAIL_LINES && start > 0; lines++) {
      int newline = trimmed.lastIndexOf('\n', start - 1);
      start = newline < 0 ? 0 : newline;
    }
    start = Math.max(start, trimmed.length() - TAIL_CHARS);
    String tail = trimmed.substring(start).strip();
    return start > 0 ? "...\n" + tail : tail;
  }
}
