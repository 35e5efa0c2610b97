package io.netdrop.bpf.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * glibc's {@code syscall} direct-mapped with a fixed arity: one JNI downcall, no argument boxing,
 * for the calls the agent makes on application threads. {@code syscall} is variadic; calling it
 * with a fixed-arity signature is sound on the x86_64 and aarch64 Linux ABIs because every
 * argument is an integer passed in a register.
 */
final class DirectSyscall {
  static {
    Native.register(DirectSyscall.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private DirectSyscall() {}

  static native long syscall(long number, long a1, long a2, long a3) throws LastErrorException;
}
