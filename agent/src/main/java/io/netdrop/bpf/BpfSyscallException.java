package io.netdrop.bpf;

import io.netdrop.bpf.sys.Errno;

/**
 * A syscall the kernel refused. The message names the call, the object it was for and the errno,
 * e.g. {@code bpf(BPF_MAP_CREATE) for map 'events' failed: EPERM (Operation not permitted)}.
 */
public class BpfSyscallException extends BpfException {
  private static final long serialVersionUID = 1L;

  private final int errno;
  private final String command;

  /**
   * @param command a bpf(2) command name ({@code BPF_MAP_CREATE}) or another call's name
   *     ({@code perf_event_open}, {@code PERF_EVENT_IOC_SET_BPF}, {@code mmap})
   * @param subject what the call was for, e.g. {@code map 'events'}
   * @param errno the kernel's error number
   */
  public BpfSyscallException(String command, String subject, int errno) {
    this(command, errno, describe(command, subject, errno));
  }

  protected BpfSyscallException(String command, int errno, String message) {
    super(message);
    this.command = command;
    this.errno = errno;
  }

  /** The errno the kernel returned, e.g. 1 for EPERM. */
  public int errno() {
    return errno;
  }

  /** The failed call: a bpf(2) command name such as {@code BPF_PROG_LOAD}, or a syscall name. */
  public String command() {
    return command;
  }

  static String describe(String command, String subject, int errno) {
    String call = command.startsWith("BPF_") ? "bpf(" + command + ")" : command;
    return call + " for " + subject + " failed: " + Errno.describe(errno);
  }
}
