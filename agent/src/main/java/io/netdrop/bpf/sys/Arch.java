package io.netdrop.bpf.sys;

import io.netdrop.bpf.BpfException;
import java.util.Locale;

/** The per-architecture ABI facts the loader needs: syscall numbers and the epoll_event layout. */
public final class Arch {
  private static volatile Arch current;

  private final String name;
  private final long bpfSyscall;
  private final long perfEventOpenSyscall;
  private final long gettidSyscall;
  private final int epollEventSize;
  private final int openDirectoryFlag;

  private Arch(
      String name,
      long bpfSyscall,
      long perfEventOpenSyscall,
      long gettidSyscall,
      int epollEventSize,
      int openDirectoryFlag) {
    this.name = name;
    this.openDirectoryFlag = openDirectoryFlag;
    this.bpfSyscall = bpfSyscall;
    this.perfEventOpenSyscall = perfEventOpenSyscall;
    this.gettidSyscall = gettidSyscall;
    this.epollEventSize = epollEventSize;
  }

  /** The ABI of the running JVM; throws {@link BpfException} on an architecture we do not support. */
  public static Arch current() {
    Arch arch = current;
    if (arch == null) {
      arch = forName(System.getProperty("os.arch", ""));
      current = arch;
    }
    return arch;
  }

  /** The ABI for a Java {@code os.arch} value; throws {@link BpfException} naming an unsupported one. */
  public static Arch forName(String osArch) {
    switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
        // x86_64 declares struct epoll_event packed: 4-byte events + 8-byte data = 12 bytes.
        return new Arch("x86_64", 321, 298, 186, 12, 0200000);
      case "aarch64":
      case "arm64":
        // O_DIRECTORY is one of the few open(2) flags that differ: arm64 takes asm-generic's value.
        return new Arch("aarch64", 280, 241, 178, 16, 040000);
      default:
        throw new BpfException(
            "unsupported CPU architecture '" + osArch + "': netdrop supports x86_64 and aarch64");
    }
  }

  public String name() {
    return name;
  }

  /** open(2)'s {@code O_DIRECTORY} on this architecture. */
  public int openDirectoryFlag() {
    return openDirectoryFlag;
  }

  public long bpfSyscall() {
    return bpfSyscall;
  }

  public long gettidSyscall() {
    return gettidSyscall;
  }

  public long perfEventOpenSyscall() {
    return perfEventOpenSyscall;
  }

  public int epollEventSize() {
    return epollEventSize;
  }
}
