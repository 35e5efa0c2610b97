package io.netdrop.sockets.internal;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * One getpeername(2) on a socket, made for what the kernel does inside it ({@code
 * nd_getpeername4/6} register an accepted socket), not for the answer. It runs once per accepted
 * connection on the accepting thread, so it takes the cheapest call there is: the JDK's own JNI
 * method {@code sun.nio.ch.Net.remotePort(FileDescriptor)}, which calls getpeername() into a stack
 * buffer and allocates nothing, where JNA's call ({@link SocketCalls#address}) copies two arrays
 * to and from native memory and costs about 1.5 µs more (docs/performance.md, "The accept hook").
 * The method is private to {@code java.base}: {@link #open} opens {@code sun.nio.ch} to this
 * module through {@link Instrumentation} and binds a handle once. Where that is refused, or the
 * JDK has no such method, or the call fails in a way no socket explains, JNA's call is made
 * instead, from then on.
 */
public final class Getpeername {
  private static final Getpeername JNA = new Getpeername(null);

  private final FileDescriptors fds;
  /** Cleared for good by a failure of the JDK's call that is not the socket's (see {@link #call}). */
  private volatile boolean jdk;

  private Getpeername(FileDescriptors fds) {
    this.fds = fds;
    this.jdk = fds != null;
  }

  /**
   * The JDK's call if {@code sun.nio.ch} can be opened to this module and {@code fds} can write
   * descriptors (a native socket has only a number); else {@link #jna()}.
   */
  public static Getpeername open(Instrumentation inst, FileDescriptors fds) {
    return FileDescriptors.openToThisModule(inst, Jdk.PACKAGE) ? reflective(fds) : JNA;
  }

  /**
   * The JDK's call if {@code sun.nio.ch} is already open to this module ({@code --add-opens}, or
   * {@link #open}) and {@code fds} can write descriptors; else {@link #jna()}.
   */
  public static Getpeername reflective(FileDescriptors fds) {
    try {
      return fds.available() && Jdk.REMOTE_PORT != null ? new Getpeername(fds) : JNA;
    } catch (LinkageError e) {
      return JNA;
    }
  }

  /** JNA's call only. */
  public static Getpeername jna() {
    return JNA;
  }

  /** Whether calls go through the JDK's JNI method (else JNA). */
  public boolean jdk() {
    return jdk;
  }

  /**
   * Calls getpeername() on socket {@code fd}; {@code d} is the same descriptor as a {@link
   * FileDescriptor} when the caller has one (null otherwise: one is made). True if the call
   * succeeded, false if the socket has no peer (reset already, closed) or is no socket. Never
   * throws.
   */
  public boolean call(int fd, FileDescriptor d) {
    if (fd < 0) {
      return false;
    }
    FileDescriptor descriptor = !jdk ? null : d != null ? d : fds.wrap(fd);
    if (descriptor != null) { // never null into the native: it would read a field of null
      try {
        return (int) Jdk.REMOTE_PORT.invokeExact(descriptor) >= 0;
      } catch (IOException e) {
        return false; // the socket's own answer (ENOTCONN, EBADF): JNA would get the same
      } catch (Throwable e) {
        jdk = false; // not the socket's doing: this JDK's method is not what we bound
      }
    }
    return SocketCalls.address(fd, true, new byte[SocketCalls.SOCKADDR_SIZE]);
  }

  /** The handle in a static final field, so that the JIT calls the native directly. */
  private static final class Jdk {
    static final String PACKAGE = "sun.nio.ch";
    static final MethodHandle REMOTE_PORT = find();

    private static MethodHandle find() {
      try {
        Class<?> net = Class.forName(PACKAGE + ".Net");
        return MethodHandles.privateLookupIn(net, MethodHandles.lookup())
            .findStatic(net, "remotePort", MethodType.methodType(int.class, FileDescriptor.class));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  }
}
