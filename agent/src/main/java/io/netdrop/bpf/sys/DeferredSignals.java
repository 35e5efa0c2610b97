package io.netdrop.bpf.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.function.LongSupplier;

/**
 * Runs a system call with the calling thread's asynchronous signals held back until it returns.
 *
 * <p>The BPF verifier gives up with EAGAIN whenever a signal is pending for the loading thread.
 * A continuous profiler in the application (async-profiler, a JFR-like sampler) signals threads
 * every few milliseconds, so without this every program load of netdrop's could fail there, as it
 * did with async-profiler sampling at 100 µs. The held signals are delivered as soon as the mask is
 * restored. The synchronous ones (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV) are never held: the
 * JVM handles faults through them.
 */
final class DeferredSignals {
  private static final int SIG_BLOCK = 0;
  private static final int SIG_SETMASK = 2;
  /** glibc's sigset_t: 1,024 bits. */
  private static final int SIGSET_BYTES = 128;
  private static final byte[] ASYNCHRONOUS = asynchronousSignals();
  private static final boolean AVAILABLE = bind();

  private DeferredSignals() {}

  /** {@code call}'s result, with asynchronous signals held back while it runs where libc allows. */
  static long during(LongSupplier call) {
    if (!AVAILABLE) {
      return call.getAsLong();
    }
    byte[] previous = new byte[SIGSET_BYTES];
    boolean held = pthread_sigmask(SIG_BLOCK, ASYNCHRONOUS, previous) == 0;
    try {
      return call.getAsLong();
    } finally {
      if (held) {
        pthread_sigmask(SIG_SETMASK, previous, null);
      }
    }
  }

  /** Whether the signal {@code signo} is held back by {@link #during}. */
  static boolean holds(int signo) {
    int bit = signo - 1;
    return (ASYNCHRONOUS[bit >>> 3] & (1 << (bit & 7))) != 0;
  }

  private static byte[] asynchronousSignals() {
    byte[] set = new byte[SIGSET_BYTES];
    for (int signo = 1; signo <= 64; signo++) {
      switch (signo) {
        case 4: // SIGILL
        case 5: // SIGTRAP
        case 7: // SIGBUS
        case 8: // SIGFPE
        case 11: // SIGSEGV
          continue;
        default:
          int bit = signo - 1; // the kernel's sigset has signal n at bit n - 1, in little-endian words
          set[bit >>> 3] |= (byte) (1 << (bit & 7));
      }
    }
    return set;
  }

  private static boolean bind() {
    try {
      Native.register(DeferredSignals.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
      return true;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return false;
    }
  }

  private static native int pthread_sigmask(int how, byte[] set, byte[] previous);
}
