package io.netdrop.kernel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.concurrent.ThreadFactory;

/**
 * Threads for netdrop's periodic housekeeping (the registry's releases, the {@code /proc} scan,
 * the totals, the {@code sock_diag} poll, the OpenTelemetry API watch), run at nice {@value #NICE}.
 *
 * <p>A service often runs on one or two CPUs, and netdrop's threads share them with its request
 * threads. At the default priority a housekeeping thread that wakes after sleeping has the
 * scheduler's favour and runs its whole tick (a batch release of a millisecond under connection
 * churn) while requests wait: the p99 pays for it. At nice 10 the application's threads preempt
 * it, and it still gets about a tenth of a busy CPU beside each of them, far more than it needs.
 * The drop reader keeps the default priority: it drains the kernel's ring buffer, which must not
 * fall behind in a storm. So does the start thread, which creates the reader: a thread inherits its
 * creator's nice value, and only a privileged one may raise it again.
 *
 * <p>Linux keeps the nice value per thread, so each thread lowers its own as it starts; that needs
 * no privilege. Where it fails (no JNA, a seccomp profile) the thread runs at the default priority.
 */
public final class Housekeeping {
  /** The nice value of housekeeping threads: 0 is the default, 19 the lowest. */
  public static final int NICE = 10;

  private Housekeeping() {}

  /** A daemon thread named {@code name} that lowers its priority, then runs {@code task}. */
  public static Thread thread(Runnable task, String name) {
    Thread t =
        new Thread(
            () -> {
              lowerCurrentThread();
              task.run();
            },
            name);
    t.setDaemon(true);
    return t;
  }

  /** A factory of {@link #thread}s, all named {@code name} (for single-thread executors). */
  public static ThreadFactory factory(String name) {
    return task -> thread(task, name);
  }

  /** Sets the calling thread's nice value to {@link #NICE}; false if the kernel or libc refused. */
  static boolean lowerCurrentThread() {
    try {
      // PRIO_PROCESS with who = 0 is the calling thread on Linux, whose nice value is per thread.
      return Setpriority.setpriority(Setpriority.PRIO_PROCESS, 0, NICE) == 0;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  /** libc's setpriority, bound on first use. */
  private static final class Setpriority {
    static final int PRIO_PROCESS = 0;

    static {
      Native.register(Setpriority.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    static native int setpriority(int which, int who, int prio);
  }
}
