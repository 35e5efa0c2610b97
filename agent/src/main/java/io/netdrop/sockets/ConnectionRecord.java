package io.netdrop.sockets;

import io.netdrop.bootstrap.SocketEvents;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What netdrop knows about one socket of this JVM, keyed by its inode: transport, endpoints,
 * role, who created it and when, who used it last, and when it was closed. Times are {@link
 * System#nanoTime()} values, i.e. CLOCK_MONOTONIC like the kernel's drop timestamps.
 *
 * <p>Thread-safe for reading at any time. The last-user pair is written without a lock by every
 * read/write of the socket, so a reader may see the thread of one use with the time of the next.
 */
public final class ConnectionRecord {
  /** How the socket takes part in a connection. */
  public enum Role {
    /** A TCP socket that connect()ed. */
    CLIENT("client"),
    /** A TCP socket returned by accept(). */
    SERVER("server"),
    /** A listening TCP socket. */
    LISTENER("listener"),
    /** A UDP socket. */
    UDP("udp"),
    /** A Unix-domain socket. */
    UNIX("unix"),
    /** A TCP socket neither connected nor listening yet. */
    TCP("tcp");

    private final String label;

    Role(String label) {
      this.label = label;
    }

    /** The lower-case word used in drop lines. */
    public String label() {
      return label;
    }
  }

  static final long OPEN = Long.MIN_VALUE;

  private static final VarHandle LAST_USER;
  private static final VarHandle LAST_USED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      LAST_USER = l.findVarHandle(ConnectionRecord.class, "lastUser", String.class);
      LAST_USED = l.findVarHandle(ConnectionRecord.class, "lastUsedNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long inode;
  private final int transport;
  private final String creator;
  private final String creatingThread;
  private final long openedNanos;
  private volatile Role role;
  private volatile Endpoints endpoints;
  private volatile long closedNanos = OPEN;
  @SuppressWarnings("unused") // through LAST_USER
  private String lastUser;
  @SuppressWarnings("unused") // through LAST_USED
  private long lastUsedNanos;

  /** The spans that used this socket; created at the first use under a span. */
  private volatile SpanUses spanUses;

  /** Found open (before a dynamic attach, say): it may have a peer we did not see it connect to. */
  volatile boolean foundOpen;

  // What this socket put into the kernel maps; guarded by this record's monitor.
  boolean kernelSocket;
  int kernelPort;
  Endpoints kernelTuple;

  /**
   * @param transport {@link SocketEvents#TCP}, {@link SocketEvents#UDP} or {@link SocketEvents#UNIX}
   * @param creator the application class that created it, or null if unknown
   * @param creatingThread the name of the creating thread
   * @throws IllegalArgumentException for an inode that is not positive or an unknown transport
   */
  public ConnectionRecord(
      long inode, int transport, Role role, String creator, String creatingThread, long openedNanos) {
    if (inode <= 0) {
      throw new IllegalArgumentException("socket inode must be positive: " + inode);
    }
    if (transport != SocketEvents.TCP && transport != SocketEvents.UDP && transport != SocketEvents.UNIX) {
      throw new IllegalArgumentException("transport must be TCP (1), UDP (2) or UNIX (3): " + transport);
    }
    this.inode = inode;
    this.transport = transport;
    this.role = role;
    this.creator = creator;
    this.creatingThread = creatingThread;
    this.openedNanos = openedNanos;
  }

  public long inode() {
    return inode;
  }

  /** {@link SocketEvents#TCP}, {@link SocketEvents#UDP} or {@link SocketEvents#UNIX}. */
  public int transport() {
    return transport;
  }

  /** IP protocol number: 6 for TCP, 17 for UDP, 0 for Unix sockets. */
  public int protocol() {
    return transport == SocketEvents.TCP ? 6 : transport == SocketEvents.UDP ? 17 : 0;
  }

  public Role role() {
    return role;
  }

  void role(Role r) {
    role = r;
  }

  /** The endpoints, or null while none is known (not bound yet, or a Unix socket). */
  public Endpoints endpoints() {
    return endpoints;
  }

  void endpoints(Endpoints e) {
    endpoints = e;
  }

  /** The application class that created the socket, or null if unknown or not captured. */
  public String creator() {
    return creator;
  }

  public String creatingThread() {
    return creatingThread;
  }

  public long openedNanos() {
    return openedNanos;
  }

  /** Whether the application has closed the socket. */
  public boolean closed() {
    return closedNanos != OPEN;
  }

  /** When the application closed the socket; meaningful only if {@link #closed()}. */
  public long closedNanos() {
    return closedNanos;
  }

  void markClosed(long nanos) {
    closedNanos = nanos;
  }

  /**
   * Notes a use by {@code threadName} at {@code tick} (a coarse clock reading): no allocation, no
   * lock, and no store at all while neither changed, so a busy socket's record stays clean in the
   * caches of the CPUs that read it.
   */
  void used(String threadName, long tick) {
    if ((long) LAST_USED.getOpaque(this) != tick || LAST_USER.getOpaque(this) != threadName) {
      LAST_USER.setOpaque(this, threadName);
      LAST_USED.setOpaque(this, tick);
    }
  }

  /** The name of the thread that last read or wrote the socket, or null if none was seen. */
  public String lastUser() {
    return (String) LAST_USER.getOpaque(this);
  }

  /**
   * When the socket was last used, to the resolution of the registry's use clock ({@code
   * RegistrySocketEvents#USE_CLOCK_MILLIS}); meaningful only if {@link #lastUser()} is not null.
   */
  public long lastUsedNanos() {
    return (long) LAST_USED.getOpaque(this);
  }

  /**
   * Notes that {@code span} used the socket at use-clock {@code tick}; {@code nanos} gives the
   * precise time when the span is new to this socket. Allocates only the first time a span uses
   * the socket.
   */
  void spanUsed(Object span, CurrentSpan source, long tick, java.util.function.LongSupplier nanos) {
    SpanUses uses = spanUses;
    if (uses == null) {
      synchronized (this) {
        uses = spanUses;
        if (uses == null) {
          spanUses = uses = new SpanUses();
        }
      }
    }
    uses.used(span, source, tick, nanos);
  }

  /** The trace spans that used the socket, or null if none did while netdrop watched. */
  public SpanUses spans() {
    return spanUses;
  }

  @Override
  public String toString() {
    Endpoints e = endpoints;
    return "ConnectionRecord[" + inode + " " + role.label() + (e == null ? "" : " " + e)
        + " by " + creator + " [" + creatingThread + "]" + (closed() ? " closed" : "") + "]";
  }
}
