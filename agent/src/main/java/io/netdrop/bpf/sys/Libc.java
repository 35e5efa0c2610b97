package io.netdrop.bpf.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc entry points the loader calls. Fixed-arity functions are direct-mapped (cheaper per
 * call); the variadic ones ({@code syscall}, {@code ioctl}) go through {@link Variadic} so that
 * JNA passes their arguments with the variadic calling convention.
 */
public final class Libc {
  public static final int PROT_READ = 0x1;
  public static final int PROT_WRITE = 0x2;
  public static final int MAP_SHARED = 0x1;
  public static final int EPOLL_CLOEXEC = 0x80000;
  public static final int EPOLL_CTL_ADD = 1;
  public static final int EPOLLIN = 0x1;
  public static final int EFD_CLOEXEC = 0x80000;
  public static final int EFD_NONBLOCK = 0x800;

  static {
    Native.register(Libc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  /** JNA binding for libc's variadic functions; every argument is passed as a {@code Long} or pointer. */
  public interface Variadic extends Library {
    Variadic INSTANCE = Native.load(Platform.C_LIBRARY_NAME, Variadic.class);

    long syscall(long number, Object... args) throws LastErrorException;

    int ioctl(int fd, long request, Object... args) throws LastErrorException;
  }

  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 02000000;

  private Libc() {}

  /**
   * Opens a directory read-only (for a BPF_LINK_CREATE target such as a cgroup); throws {@link
   * io.netdrop.bpf.BpfSyscallException} naming {@code subject} and errno on failure.
   */
  public static int openDirectory(String path, String subject) {
    try {
      return open(path, O_RDONLY | Arch.current().openDirectoryFlag() | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new io.netdrop.bpf.BpfSyscallException("open(" + path + ")", subject, e.getErrorCode());
    }
  }

  /** Closes {@code fd}, ignoring errors (the descriptor is gone either way on Linux). */
  public static void closeQuietly(int fd) {
    try {
      close(fd);
    } catch (LastErrorException ignored) {
      // nothing to do: Linux releases the descriptor even when close reports an error
    }
  }

  public static native int open(String path, int flags) throws LastErrorException;

  public static native int close(int fd) throws LastErrorException;

  public static native Pointer mmap(
      Pointer addr, long length, int prot, int flags, int fd, long offset)
      throws LastErrorException;

  public static native int munmap(Pointer addr, long length) throws LastErrorException;

  public static native int epoll_create1(int flags) throws LastErrorException;

  public static native int epoll_ctl(int epfd, int op, int fd, Pointer event)
      throws LastErrorException;

  public static native int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis)
      throws LastErrorException;

  public static native int eventfd(int initialValue, int flags) throws LastErrorException;

  public static native long write(int fd, Pointer buffer, long count) throws LastErrorException;

  public static native int getpagesize();

  public static native String strerror(int errno);
}
