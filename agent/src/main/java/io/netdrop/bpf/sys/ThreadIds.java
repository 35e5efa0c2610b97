package io.netdrop.bpf.sys;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The kernel's id of the calling platform thread ({@code gettid}, in the JVM's pid namespace),
 * cached per thread: a platform thread stays on its native thread for life, so it costs one system
 * call per thread. A virtual thread (Java 21+) moves between carrier threads, so it has no stable
 * id: {@link #current()} returns {@link #NONE} for it.
 */
public final class ThreadIds {
  /** Returned for a thread without a stable kernel thread id. */
  public static final int NONE = 0;

  private static final ThreadLocal<int[]> TID = ThreadLocal.withInitial(ThreadIds::gettid);
  private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

  private ThreadIds() {}

  /** The calling thread's kernel thread id, or {@link #NONE} on a virtual thread. */
  public static int current() {
    if (IS_VIRTUAL != null && isVirtual()) {
      return NONE;
    }
    return TID.get()[0];
  }

  private static boolean isVirtual() {
    try {
      return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
    } catch (Throwable e) {
      return true; // unknown: treat as having no stable id
    }
  }

  private static MethodHandle isVirtualHandle() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (ReflectiveOperationException e) {
      return null; // Java 17: every thread is a platform thread
    }
  }

  private static int[] gettid() {
    return new int[] {(int) DirectSyscall.syscall(Arch.current().gettidSyscall(), 0, 0, 0)};
  }
}
