package io.netdrop.bootstrap;

import java.io.FileDescriptor;
import java.net.SocketAddress;

/**
 * The static entry points that advice inside JDK and Netty classes calls. It lives on the
 * bootstrap class path so that code in {@code java.base} can see it, holds one callback (the
 * agent's {@link SocketEvents}) and nothing else, and never lets a failure reach the application.
 */
public final class NetdropBridge {
  private static volatile SocketEvents events = SocketEvents.NONE;

  private NetdropBridge() {}

  /** Installs the agent's callback; {@code null} restores the no-op. */
  public static void install(SocketEvents callback) {
    events = callback == null ? SocketEvents.NONE : callback;
  }

  /** A socket is about to be created on this thread (before {@code opened}). */
  public static void creating() {
    try {
      events.creating();
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void opened(FileDescriptor fd, int kind, Object owner) {
    try {
      events.opened(fd, kind, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void opened(int fd, int kind, Object owner) {
    try {
      events.opened(fd, kind, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void connecting(FileDescriptor fd, SocketAddress remote, Object owner) {
    try {
      events.connecting(fd, remote, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void connecting(int fd, SocketAddress remote, Object owner) {
    try {
      events.connecting(fd, remote, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void bound(FileDescriptor fd, Object owner) {
    try {
      events.bound(fd, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void bound(int fd, Object owner) {
    try {
      events.bound(fd, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void accepted(FileDescriptor listenerFd, FileDescriptor accepted, Object owner) {
    try {
      events.accepted(listenerFd, accepted, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void accepted(int listenerFd, int accepted, Object owner) {
    try {
      events.accepted(listenerFd, accepted, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void used(FileDescriptor fd, Object owner) {
    try {
      events.used(fd, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void used(int fd, Object owner) {
    try {
      events.used(fd, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void closing(FileDescriptor fd, Object owner) {
    try {
      events.closing(fd, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }

  public static void closing(int fd, Object owner) {
    try {
      events.closing(fd, owner);
    } catch (Throwable ignored) {
      // the application must never see netdrop fail
    }
  }
}
