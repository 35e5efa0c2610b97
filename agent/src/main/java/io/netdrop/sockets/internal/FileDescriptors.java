package io.netdrop.sockets.internal;

import java.io.FileDescriptor;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Set;

/**
 * Reads the number inside a {@link FileDescriptor}. The field is private to {@code java.base},
 * so the agent opens {@code java.io} to this class's module through {@link Instrumentation}
 * ({@link #open}); without that the descriptor cannot be read and {@link #fd} returns -1, which
 * callers treat as "not ours" (the /proc scanner still covers such sockets).
 */
public final class FileDescriptors {
  private static final FileDescriptors UNAVAILABLE = new FileDescriptors(false);
  private static final FileDescriptors AVAILABLE = new FileDescriptors(true);

  private final boolean available;

  private FileDescriptors(boolean available) {
    this.available = available;
  }

  /**
   * Opens {@code java.io} to this module (a no-op if already open) and returns an accessor;
   * {@link #unavailable()} if the JVM refuses.
   */
  public static FileDescriptors open(Instrumentation inst) {
    return openToThisModule(inst, "java.io") ? reflective() : UNAVAILABLE;
  }

  /** Opens package {@code pkg} of {@code java.base} to this module; false if the JVM refuses. */
  static boolean openToThisModule(Instrumentation inst, String pkg) {
    Module javaBase = Object.class.getModule();
    Module us = FileDescriptors.class.getModule();
    try {
      if (!javaBase.isOpen(pkg, us)) {
        inst.redefineModule(javaBase, Set.of(), Map.of(), Map.of(pkg, Set.of(us)), Set.of(), Map.of());
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** An accessor if {@code java.io} is already open to this module (e.g. {@code --add-opens}). */
  public static FileDescriptors reflective() {
    try {
      return Handle.FD != null ? AVAILABLE : UNAVAILABLE;
    } catch (LinkageError e) {
      return UNAVAILABLE;
    }
  }

  /** An accessor that knows no descriptor. */
  public static FileDescriptors unavailable() {
    return UNAVAILABLE;
  }

  /** Whether {@link #fd} can read descriptors. */
  public boolean available() {
    return available;
  }

  /** The descriptor number; -1 if {@code d} is null, closed or unreadable. Allocates nothing. */
  public int fd(FileDescriptor d) {
    if (!available || d == null) {
      return -1;
    }
    return (int) Handle.FD.get(d);
  }

  /**
   * A new {@link FileDescriptor} holding {@code fd}, for a JDK native that takes one; null if
   * descriptors cannot be written. Closing it is the owner's business: the object has no cleaner
   * and closes nothing when collected.
   */
  public FileDescriptor wrap(int fd) {
    if (!available || fd < 0) {
      return null;
    }
    FileDescriptor d = new FileDescriptor();
    Handle.FD.set(d, fd);
    return d;
  }

  /**
   * The handle in a static final field, so the JIT reads the field directly on the I/O path
   * (an instance field holding it costs a call per read). Initialised on first use, which is
   * after {@link #open} has opened {@code java.io}; null if it is not open.
   */
  private static final class Handle {
    static final VarHandle FD = find();

    private static VarHandle find() {
      try {
        return MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
            .findVarHandle(FileDescriptor.class, "fd", int.class);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  }
}
