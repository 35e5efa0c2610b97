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
  private static final FileDescriptors UNAVAILABLE = new FileDescriptors(null);

  private final VarHandle fd;

  private FileDescriptors(VarHandle fd) {
    this.fd = fd;
  }

  /**
   * Opens {@code java.io} to this module (a no-op if already open) and returns an accessor;
   * {@link #unavailable()} if the JVM refuses.
   */
  public static FileDescriptors open(Instrumentation inst) {
    Module javaBase = Object.class.getModule();
    Module us = FileDescriptors.class.getModule();
    try {
      if (!javaBase.isOpen("java.io", us)) {
        inst.redefineModule(
            javaBase, Set.of(), Map.of(), Map.of("java.io", Set.of(us)), Set.of(), Map.of());
      }
    } catch (RuntimeException e) {
      return UNAVAILABLE;
    }
    return reflective();
  }

  /** An accessor if {@code java.io} is already open to this module (e.g. {@code --add-opens}). */
  public static FileDescriptors reflective() {
    try {
      return new FileDescriptors(
          MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
              .findVarHandle(FileDescriptor.class, "fd", int.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return UNAVAILABLE;
    }
  }

  /** An accessor that knows no descriptor. */
  public static FileDescriptors unavailable() {
    return UNAVAILABLE;
  }

  /** Whether {@link #fd} can read descriptors. */
  public boolean available() {
    return fd != null;
  }

  /** The descriptor number; -1 if {@code d} is null, closed or unreadable. Allocates nothing. */
  public int fd(FileDescriptor d) {
    if (fd == null || d == null) {
      return -1;
    }
    return (int) fd.get(d);
  }
}
