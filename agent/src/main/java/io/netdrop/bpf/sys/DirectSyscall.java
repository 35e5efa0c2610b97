package io.netdrop.bpf.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * glibc's {@code syscall} direct-mapped with a fixed arity: one JNI downcall, no argument boxing,
 * for every bpf(2) call the agent makes. {@code syscall} is variadic; calling it
 * with a fixed-arity signature is sound on the x86_64 and aarch64 Linux ABIs because every
 * argument is an integer passed in a register.
 */
final class DirectSyscall {
  static {
    Native.register(DirectSyscall.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private DirectSyscall() {}

  /**
   * The raw call: its result, or -1 with the thread's errno in {@link Native#getLastError()}. Not
   * declared to throw: JNA would then build a LastErrorException (a stack trace and a parsed
   * message) for every failure, 5 µs where the failing call itself costs 1.4 µs, and failures are
   * common here (a lookup of an absent key, the end of a key walk).
   */
  static native long syscall(long number, long a1, long a2, long a3);

  /** {@code syscall(number, a1, a2, a3)}: its non-negative result, or {@code -errno}. */
  static long call(long number, long a1, long a2, long a3) {
    long result = syscall(number, a1, a2, a3);
    return result == -1 ? -Native.getLastError() : result;
  }
}
