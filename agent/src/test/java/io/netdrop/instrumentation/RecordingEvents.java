package io.netdrop.instrumentation;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A {@code SocketEvents} that records every call, installed into the bootstrap copy of
 * {@code NetdropBridge} (the one inlined advice calls) by reflection. It is a dynamic proxy of the
 * bootstrap {@code SocketEvents}, so it works whichever loader loaded the test's own view of it.
 * Each descriptor is turned into its number and socket inode at the time of the call.
 */
final class RecordingEvents implements InvocationHandler {
  /** One bridge call. {@code fd}/{@code accepted} are the FileDescriptor objects (null for int calls). */
  record Event(
      String type,
      Object fd,
      int fdNumber,
      long inode,
      Object accepted,
      int acceptedNumber,
      long acceptedInode,
      int kind,
      SocketAddress remote,
      Object owner,
      String thread) {
    /** Identity of the socket: the FileDescriptor object, or the number for raw descriptors. */
    Object key() {
      return fd != null ? fd : Integer.valueOf(fdNumber);
    }

    Object acceptedKey() {
      return accepted != null ? accepted : Integer.valueOf(acceptedNumber);
    }
  }

  private static final Field FD_NUMBER;

  static {
    try {
      FD_NUMBER = FileDescriptor.class.getDeclaredField("fd");
      FD_NUMBER.setAccessible(true); // java.io is opened to us by TestInstrumentation
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final List<Event> events = new ArrayList<>();
  private volatile boolean recording;

  /** Installs a new recorder into the bootstrap bridge; it records nothing until {@link #start()}. */
  static RecordingEvents install() {
    RecordingEvents recorder = new RecordingEvents();
    try {
      Class<?> eventsType = Class.forName("io.netdrop.bootstrap.SocketEvents", false, null);
      Object proxy = Proxy.newProxyInstance(null, new Class<?>[] {eventsType}, recorder);
      bridgeInstall(eventsType, proxy);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot install the recorder into the bootstrap NetdropBridge", e);
    }
    return recorder;
  }

  /** Installs a callback that throws from every call, as a broken agent would. */
  static void installThrowing() {
    try {
      Class<?> eventsType = Class.forName("io.netdrop.bootstrap.SocketEvents", false, null);
      InvocationHandler throwing =
          (proxy, method, args) -> {
            throw new IllegalStateException("callback failure from " + method.getName());
          };
      bridgeInstall(eventsType, Proxy.newProxyInstance(null, new Class<?>[] {eventsType}, throwing));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot install into the bootstrap NetdropBridge", e);
    }
  }

  /** Restores the bridge's no-op callback. */
  static void uninstall() {
    try {
      bridgeInstall(Class.forName("io.netdrop.bootstrap.SocketEvents", false, null), null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reset the bootstrap NetdropBridge", e);
    }
  }

  private static void bridgeInstall(Class<?> eventsType, Object callback) throws ReflectiveOperationException {
    Class<?> bridge = Class.forName("io.netdrop.bootstrap.NetdropBridge", true, null);
    bridge.getMethod("install", eventsType).invoke(null, callback);
  }

  void start() {
    synchronized (events) {
      events.clear();
    }
    recording = true;
  }

  /** Stops recording and returns what was recorded, in call order. */
  List<Event> stop() {
    recording = false;
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) {
    switch (method.getName()) {
      case "hashCode":
        return System.identityHashCode(proxy);
      case "equals":
        return proxy == args[0];
      case "toString":
        return "RecordingEvents";
      default:
        break;
    }
    if (!recording) {
      return null;
    }
    String type = method.getName();
    Object fd = args[0] instanceof FileDescriptor ? args[0] : null;
    int fdNumber = number(args[0]);
    Object accepted = null;
    int acceptedNumber = -1;
    int kind = 0;
    SocketAddress remote = null;
    switch (type) {
      case "opened":
        kind = (Integer) args[1];
        break;
      case "connecting":
        remote = (SocketAddress) args[1];
        break;
      case "accepted":
        accepted = args[1] instanceof FileDescriptor ? args[1] : null;
        acceptedNumber = number(args[1]);
        break;
      default:
        break;
    }
    Event e =
        new Event(
            type,
            fd,
            fdNumber,
            inode(fdNumber),
            accepted,
            acceptedNumber,
            inode(acceptedNumber),
            kind,
            remote,
            args[args.length - 1],
            Thread.currentThread().getName());
    synchronized (events) {
      events.add(e);
    }
    return null;
  }

  private static int number(Object fd) {
    if (fd instanceof Integer) {
      return (Integer) fd;
    }
    if (fd instanceof FileDescriptor) {
      try {
        return FD_NUMBER.getInt(fd);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return -1;
  }

  /** The socket inode of descriptor {@code n} of this process, or -1 if it is not an open socket. */
  static long inode(int n) {
    if (n < 0) {
      return -1;
    }
    try {
      String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + n)).toString();
      return link.startsWith("socket:[") ? Long.parseLong(link.substring(8, link.length() - 1)) : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Describes {@code events} as lines such as {@code opened TCP a}, {@code connecting a to :8080},
   * {@code accepted b on a}, naming sockets a, b, c... in order of first appearance.
   */
  static List<String> describe(List<Event> events, Predicate<Event> filter) {
    Map<Object, String> names = new IdentityHashMap<>();
    Map<Integer, String> numberNames = new java.util.HashMap<>();
    List<String> lines = new ArrayList<>();
    for (Event e : events) {
      if (!filter.test(e)) {
        continue;
      }
      String name = name(e.key(), names, numberNames);
      switch (e.type()) {
        case "opened":
          lines.add("opened " + kindName(e.kind()) + " " + name);
          break;
        case "connecting":
          lines.add("connecting " + name + " to " + remote(e.remote()));
          break;
        case "accepted":
          lines.add("accepted " + name(e.acceptedKey(), names, numberNames) + " on " + name);
          break;
        default:
          lines.add(e.type() + " " + name);
      }
    }
    return lines;
  }

  private static String name(Object key, Map<Object, String> names, Map<Integer, String> numberNames) {
    Map<Object, String> byIdentity = names;
    if (key instanceof Integer) {
      // Raw descriptors: equal numbers are the same socket (the scenario never reuses one).
      return numberNames.computeIfAbsent((Integer) key, k -> nextName(names, numberNames));
    }
    return byIdentity.computeIfAbsent(key, k -> nextName(names, numberNames));
  }

  private static String nextName(Map<Object, String> names, Map<Integer, String> numberNames) {
    return String.valueOf((char) ('a' + names.size() + numberNames.size()));
  }

  private static String kindName(int kind) {
    switch (kind) {
      case 1:
        return "TCP";
      case 2:
        return "UDP";
      case 3:
        return "UNIX";
      default:
        return "kind" + kind;
    }
  }

  private static String remote(SocketAddress remote) {
    if (remote instanceof InetSocketAddress) {
      return ":" + ((InetSocketAddress) remote).getPort();
    }
    return remote == null ? "null" : remote.getClass().getSimpleName();
  }
}
