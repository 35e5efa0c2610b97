package io.netdrop.sockets;

import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.kernel.Housekeeping;
import io.netdrop.sockets.ConnectionRecord.Role;
import io.netdrop.sockets.internal.Creators;
import io.netdrop.sockets.internal.FdTable;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.SocketCalls;
import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Turns the instrumentation's socket events into {@link ConnectionRegistry} records and kernel
 * map entries. A socket is identified by the inode {@code fstat} reports for its descriptor and
 * described with {@code getsockname}/{@code getpeername}; nothing here scans /proc.
 *
 * <ul>
 *   <li>{@code opened}: records the socket, its creator and thread. Its inode is in the kernel
 *       {@code sockets} map before this returns: put there inside socket(2) by the kernel when
 *       {@link #useCreationSlots} is on, else written here (once {@link #attach} has supplied the
 *       maps; sockets opened earlier are written by {@code attach} itself).
 *   <li>{@code connecting}/{@code bound}/{@code accepted}: endpoints and role; a connected
 *       socket's tuple and a listener's or unconnected UDP socket's port go into the kernel maps
 *       (a port the kernel already registered inside bind(2) is not written again).
 *   <li>{@code used}: the current thread and the coarse time ({@link #USE_CLOCK_MILLIS}), on an
 *       fd-indexed table: no lock, no allocation, no clock read.
 *   <li>{@code closing}: the record moves to the recently closed. Its inode leaves the kernel
 *       {@code sockets} map within {@link #PROMPT_MILLIS} (a closed socket has no file, so the
 *       kernel can no longer match it by inode); its port or tuple stays for the grace period, as
 *       late packets are dropped after close, and is removed by {@link #expireClosed()}, only
 *       while it still belongs to this socket.
 * </ul>
 *
 * <p>The fd-indexed table is trusted from {@code opened} to {@code closing}: an instrumented
 * socket reports both, and its descriptor cannot be reused in between, so only the first event of
 * a socket we did not see open (one from before a dynamic attach) pays an {@code fstat}. These
 * calls run on the application's threads; docs/performance.md has what they cost.
 *
 * <p>Every method is safe to call from any thread and never throws: failures are counted ({@link
 * #failures()}) and the socket is left to the /proc scanner.
 */
public final class RegistrySocketEvents implements SocketEvents, AutoCloseable {
  /** Default grace period for a closed socket's kernel entries: 30,000 ms, as the scanner's. */
  public static final long DEFAULT_GRACE_MILLIS = 30_000;

  /**
   * Default for capturing the creating class: true. Paid once per opened socket, never per I/O,
   * but it is the largest cost the agent adds to opening a socket: reading the stack costs 3–5 µs
   * in a benchmark's real stack on JDK 17 and 25 (docs/performance.md). Accepted sockets take their
   * listener's creator, so a busy server does not pay it per connection.
   */
  public static final boolean DEFAULT_CAPTURE_CREATOR = true;

  /**
   * Default of {@link Builder#creatorsPerSecond}: 1,000 stack reads a second at most (a few ms of
   * CPU), so that an application opening sockets by the tens of thousands a second does not pay
   * for each; within the budget, which is all sockets of most services, every socket gets one.
   */
  public static final int DEFAULT_CREATORS_PER_SECOND = 1000;

  /**
   * How soon after close, or after eviction from a full registry, the kernel entries that must go
   * are removed: by the registry thread, so that no bpf(2) call runs on the application's thread
   * when a socket closes.
   */
  public static final long PROMPT_MILLIS = 100;

  /**
   * Resolution of the time of a socket's last use. Reading the clock on every read and write
   * (System.nanoTime, ~25 ns in a VM) was a third of the I/O hook's cost; instead the registry's
   * thread advances a coarse clock at this interval and the hook copies it.
   */
  public static final long USE_CLOCK_MILLIS = PROMPT_MILLIS;

  private static final int SOCKADDR = SocketCalls.SOCKADDR_SIZE;

  private final ConnectionRegistry registry;
  private final FileDescriptors fds;
  private final Creators creators;
  private final LongSupplier clock;
  private final long graceNanos;
  private final FdTable<ConnectionRecord> byFd = new FdTable<>();
  private final LongAdder failures = new LongAdder();
  /** Closed records whose inode is still in the kernel {@code sockets} map. */
  private final Queue<ConnectionRecord> closedSockets = new ConcurrentLinkedQueue<>();
  /** Records evicted from the registry whose kernel entries are all still there. */
  private final Queue<ConnectionRecord> evicted = new ConcurrentLinkedQueue<>();
  private volatile String lastFailure;
  private volatile SocketMaps maps;
  private volatile CreationSlots slots;
  /** Reads the current trace span for {@code connecting}, {@code accepted} and {@code used}; null: none. */
  private volatile CurrentSpan spans;
  private volatile long netns;

  /** The coarse clock {@code used} copies; advanced by {@link #releasePending()}. */
  private volatile long useClock;
  /** Stack reads allowed per {@link #PROMPT_MILLIS}, and those taken since the last tick. */
  private final int creatorsPerTick;
  private final AtomicInteger creatorsThisTick = new AtomicInteger();
  private ScheduledExecutorService expiry;
  /** The tick's batch of tuples and ports to release; also the lock that makes ticks one at a time. */
  private final SocketMaps.Releases releases = new SocketMaps.Releases();
  /** The tick's closed sockets' inodes, for {@link SocketMaps#removeSockets}. */
  private long[] releasingSockets = new long[16];

  private RegistrySocketEvents(Builder b) {
    this.registry = b.registry;
    this.fds = b.fds;
    this.creators = b.captureCreator && b.creatorsPerSecond > 0 ? b.creators : null;
    // Rounded up: any positive budget allows at least one read per tick.
    this.creatorsPerTick = (int) ((b.creatorsPerSecond * PROMPT_MILLIS + 999) / 1000);
    this.clock = b.clock;
    this.graceNanos = TimeUnit.MILLISECONDS.toNanos(b.graceMillis);
    this.useClock = clock.getAsLong();
  }

  /** A builder writing into {@code registry}. */
  public static Builder builder(ConnectionRegistry registry) {
    return new Builder(registry);
  }

  /** Settings of {@link RegistrySocketEvents}; each has the documented default. */
  public static final class Builder {
    private final ConnectionRegistry registry;
    private FileDescriptors fds = FileDescriptors.unavailable();
    private Creators creators = Creators.standard();
    private boolean captureCreator = DEFAULT_CAPTURE_CREATOR;
    private long creatorsPerSecond = DEFAULT_CREATORS_PER_SECOND;
    private long graceMillis = DEFAULT_GRACE_MILLIS;
    private LongSupplier clock = System::nanoTime;

    private Builder(ConnectionRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Reads {@link FileDescriptor}s; default {@link FileDescriptors#unavailable()} (int fds only). */
    public Builder fileDescriptors(FileDescriptors fds) {
      this.fds = Objects.requireNonNull(fds, "fds");
      return this;
    }

    /** Whether to walk the stack for the creating class; default {@link #DEFAULT_CAPTURE_CREATOR}. */
    public Builder captureCreator(boolean capture) {
      this.captureCreator = capture;
      return this;
    }

    /**
     * At most this many creating classes are read from the stack per second (counted per {@link
     * #PROMPT_MILLIS}); sockets opened beyond it have no creator. 0 reads none. Default {@link
     * #DEFAULT_CREATORS_PER_SECOND}.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder creatorsPerSecond(long perSecond) {
      if (perSecond < 0) {
        throw new IllegalArgumentException("creators per second must not be negative: " + perSecond);
      }
      this.creatorsPerSecond = perSecond;
      return this;
    }

    /** Which frames are not the application's; default {@link Creators#standard()}. */
    public Builder creators(Creators creators) {
      this.creators = Objects.requireNonNull(creators, "creators");
      return this;
    }

    /**
     * How long a closed socket's kernel entries stay; default {@link #DEFAULT_GRACE_MILLIS}.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder graceMillis(long millis) {
      if (millis < 0) {
        throw new IllegalArgumentException("grace period must not be negative: " + millis + " ms");
      }
      this.graceMillis = millis;
      return this;
    }

    /** The CLOCK_MONOTONIC source; default {@link System#nanoTime()}. For tests. */
    Builder clock(LongSupplier clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public RegistrySocketEvents build() {
      return new RegistrySocketEvents(this);
    }
  }

  /**
   * Connects to the kernel maps once the program is loaded: writes every socket recorded so far
   * (open, and closed within the grace period), then writes each change as it happens.
   */
  public void attach(SocketMaps kernelMaps, long netnsInode) {
    Objects.requireNonNull(kernelMaps, "kernelMaps");
    this.netns = netnsInode;
    this.maps = kernelMaps; // published before the replay: later events write for themselves
    for (ConnectionRecord r : registry.records()) {
      synchronized (r) {
        guarded(() -> writeAll(kernelMaps, r));
      }
    }
  }

  /**
   * From now on sockets created after {@link #creating()} are registered by the kernel inside
   * socket(2) (the program behind {@code slots} must be attached and verified): {@code opened}
   * then reads the inode from the slot and makes no system call.
   */
  public void useCreationSlots(CreationSlots creationSlots) {
    this.slots = Objects.requireNonNull(creationSlots, "creationSlots");
  }

  /**
   * From now on each connect, accept, read and write notes the trace span current on the calling
   * thread in the socket's record ({@link ConnectionRecord#spans()}); null stops it.
   */
  public void useCurrentSpan(CurrentSpan currentSpan) {
    this.spans = currentSpan;
  }

  /**
   * Runs {@link #expireClosed()} every {@link #PROMPT_MILLIS} on a daemon thread: each tick releases
   * what closed since the last one and what passed its grace period since the last one, so that a
   * steady rate of closes costs a steady, small amount of work rather than a burst once a second.
   */
  public synchronized void start() {
    if (expiry != null) {
      return;
    }
    expiry =
        Executors.newSingleThreadScheduledExecutor(Housekeeping.factory("netdrop-registry"));
    expiry.scheduleWithFixedDelay(this::expireClosed, PROMPT_MILLIS, PROMPT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Removes the kernel {@code sockets} entries of sockets closed since the last call, and every
   * kernel entry of records evicted from the full registry; the spans the closed ones remember are
   * settled ({@link CurrentSpan#settle}). Runs every {@link #PROMPT_MILLIS}, as part of {@link
   * #expireClosed()}.
   */
  public void releasePending() {
    tick(false);
  }

  /**
   * Does what {@link #releasePending()} does, then forgets sockets closed longer than the grace
   * period ago and removes their tuples and ports from the kernel maps, each only while it still
   * belongs to that socket: all of them in one batch ({@link SocketMaps#releaseOwned}, one system
   * call where the kernel runs {@code nd_release}).
   */
  public void expireClosed() {
    tick(true);
  }

  private void tick(boolean expire) {
    synchronized (releases) {
      releases.clear();
      try {
        useClock = clock.getAsLong();
        creatorsThisTick.set(0);
        // Closed sockets first: a record evicted in the same tick then has its inode in the one
        // batch delete instead of a system call of its own in release().
        releaseClosedSockets();
        for (ConnectionRecord r; (r = evicted.poll()) != null; ) {
          release(r, releases);
        }
        if (expire) {
          guarded(() -> {
            for (ConnectionRecord r : registry.expire(clock.getAsLong() - graceNanos)) {
              release(r, releases);
            }
          });
        }
        SocketMaps m = maps;
        if (m != null && releases.size() > 0) {
          guarded(() -> m.releaseOwned(releases));
        }
      } finally {
        releases.clear();
      }
    }
  }

  /** Closed sockets' inodes leave {@code sockets} together: one BPF_MAP_DELETE_BATCH for all. */
  private void releaseClosedSockets() {
    SocketMaps m = maps;
    int n = 0;
    CurrentSpan currentSpans = spans;
    for (ConnectionRecord r; (r = closedSockets.poll()) != null; ) {
      SpanUses uses = r.spans();
      if (uses != null && currentSpans != null) {
        uses.settle(currentSpans); // the closed record keeps only what a late drop needs
      }
      synchronized (r) {
        if (r.kernelSocket && m != null) {
          if (n == releasingSockets.length) {
            releasingSockets = Arrays.copyOf(releasingSockets, n * 2);
          }
          releasingSockets[n++] = r.inode();
        }
        r.kernelSocket = false;
      }
    }
    if (n > 0) {
      long[] batch = releasingSockets;
      int count = n;
      guarded(() -> m.removeSockets(batch, count));
    }
  }

  /** Stops the expiry thread; records and kernel entries stay as they are. */
  @Override
  public synchronized void close() {
    if (expiry != null) {
      expiry.shutdownNow();
      expiry = null;
    }
  }

  /** Events that failed (a kernel map refused a write, ...), since creation. */
  public long failures() {
    return failures.sum();
  }

  /** The last failure, or null. */
  public String lastFailure() {
    return lastFailure;
  }

  // ---- SocketEvents ----

  @Override
  public void opened(FileDescriptor fd, int kind, Object owner) {
    opened(fds.fd(fd), kind, owner);
  }

  @Override
  public void creating() {
    CreationSlots s = slots;
    if (s != null) {
      s.arm();
    }
  }

  @Override
  public void opened(int fd, int kind, Object owner) {
    guarded(() -> {
      CreationSlots s = slots;
      long registered = s == null ? -1 : s.take();
      long inode = registered > 0 ? registered : SocketCalls.inode(fd);
      if (inode <= 0) {
        return;
      }
      // A socket the kernel registered inside this very socket() call is new: nobody can hold an
      // open record of it (add() still replaces a closed one whose inode number came round again).
      ConnectionRecord r = registered > 0 ? null : registry.find(inode);
      if (r == null || r.closed()) {
        int transport = kind == TCP || kind == UDP || kind == UNIX ? kind : transportOf(fd);
        if (transport == 0) {
          return;
        }
        r = newRecord(inode, transport, initialRole(transport), null, true, registered > 0);
      }
      byFd.set(fd, r);
    });
  }

  @Override
  public void connecting(FileDescriptor fd, SocketAddress remote, Object owner) {
    connecting(fds.fd(fd), remote, owner);
  }

  @Override
  public void connecting(int fd, SocketAddress remote, Object owner) {
    guarded(() -> {
      ConnectionRecord r = recordFor(fd);
      if (r == null || r.transport() == UNIX || !(remote instanceof InetSocketAddress)) {
        return;
      }
      InetSocketAddress a = (InetSocketAddress) remote;
      if (a.isUnresolved() || a.getPort() == 0) {
        return;
      }
      byte[] raw = a.getAddress().getAddress();
      int family = raw.length == 4 ? InetText.AF_INET : InetText.AF_INET6;
      byte[] remote16 = Arrays.copyOf(raw, 16);
      synchronized (r) {
        Endpoints prev = r.endpoints();
        r.endpoints(prev == null
            ? Endpoints.of(family, new byte[16], 0, remote16, a.getPort())
            : prev.withRemote(family, remote16, a.getPort()));
        if (r.transport() == TCP) {
          r.role(Role.CLIENT);
        }
      }
      // A refused connect is dropped microseconds later: the span that connects owns it.
      noteSpan(r);
    });
  }

  @Override
  public void bound(FileDescriptor fd, Object owner) {
    bound(fds.fd(fd), owner);
  }

  @Override
  public void bound(int fd, Object owner) {
    guarded(() -> {
      ConnectionRecord r = recordFor(fd);
      if (r != null) {
        describe(fd, r);
        // A listener opened inside a request: its overflows belong to that request's span.
        noteSpan(r);
      }
    });
  }

  @Override
  public void accepted(FileDescriptor listenerFd, FileDescriptor accepted, Object owner) {
    acceptedSocket(fds.fd(listenerFd), fds.fd(accepted), accepted);
  }

  @Override
  public void accepted(int listenerFd, int accepted, Object owner) {
    acceptedSocket(listenerFd, accepted, null);
  }

  /**
   * Runs on the accepting thread once per connection, so it is written out rather than through
   * {@link #guarded}: no lambda, and nothing looked up or allocated that the kernel already did.
   * {@code descriptor} is {@code accepted} as the JDK's object, or null (Netty's int descriptors).
   */
  private void acceptedSocket(int listenerFd, int accepted, FileDescriptor descriptor) {
    try {
      ConnectionRecord listener = recordFor(listenerFd);
      if (listener != null && listener.role() != Role.LISTENER) {
        describe(listenerFd, listener);
      }
      // One getpeername() in which the kernel registers the socket and its tuple, where it can.
      CreationSlots s = slots;
      long registered = s == null ? -1 : s.describeAccepted(accepted, descriptor);
      long inode = registered > 0 ? registered : SocketCalls.inode(accepted);
      if (inode <= 0) {
        return;
      }
      // As in opened(): a socket the kernel registered inside this getpeername() was accepted
      // just now, so no open record of it can exist, and the probe (a long one in a registry
      // full of closed connections under churn) is spared.
      ConnectionRecord r = registered > 0 ? null : registry.find(inode);
      if (r == null || r.closed()) {
        r = newRecord(
            inode,
            TCP,
            Role.SERVER,
            listener == null ? null : listener.creator(),
            false,
            registered > 0);
      } else {
        r.role(Role.SERVER);
      }
      byFd.set(accepted, r);
      describe(accepted, r);
      noteSpan(r);
    } catch (RuntimeException | LinkageError e) {
      failed(e);
    }
  }

  @Override
  public void used(FileDescriptor fd, Object owner) {
    used(fds.fd(fd), owner);
  }

  @Override
  public void used(int fd, Object owner) {
    // On every read and write: a few loads, stores only when the thread or the tick changed,
    // nothing that can throw.
    ConnectionRecord r = byFd.get(fd);
    if (r != null) {
      r.used(Thread.currentThread().getName(), useClock);
      CurrentSpan s = spans;
      if (s != null) {
        Object span = s.get();
        if (span != null) {
          r.spanUsed(span, s, useClock, System::nanoTime);
        }
      }
    }
  }

  private void noteSpan(ConnectionRecord r) {
    CurrentSpan s = spans;
    Object span = s == null ? null : s.get();
    if (span != null) {
      r.spanUsed(span, s, useClock, System::nanoTime);
    }
  }

  @Override
  public void closing(FileDescriptor fd, Object owner) {
    closing(fds.fd(fd), owner);
  }

  @Override
  public void closing(int fd, Object owner) {
    guarded(() -> {
      ConnectionRecord r = byFd.get(fd);
      if (r == null || r.closed()) {
        long inode = SocketCalls.inode(fd);
        r = inode <= 0 ? null : registry.find(inode);
      }
      if (r != null) {
        adoptKernelTuple(r);
        ConnectionRecord displaced = registry.close(r, clock.getAsLong());
        byFd.clear(fd, r);
        closedSockets.add(r);
        if (displaced != null) {
          evicted.add(displaced); // its tuple leaves with the next release, before its grace ends
        }
      }
    });
  }

  /**
   * A connect() that failed (refused, unreachable, timed out) never reaches {@link #describe}, yet
   * the kernel registered its tuple at the SYN (nd_sock_ops) and left it in the thread's slot. The
   * JDK closes such a socket inside connect(), on the same thread, so the slot still holds it here:
   * noted as the record's, the tuple leaves the map with the socket after the grace period, instead
   * of staying until the LRU map evicts it (which, once full, would evict live connections' tuples).
   */
  private void adoptKernelTuple(ConnectionRecord r) {
    CreationSlots s = slots;
    if (s == null || r.transport() != TCP) {
      return;
    }
    synchronized (r) {
      if (r.kernelTuple != null) {
        return;
      }
    }
    CreationSlots.Handoff handed = s.takeEndpoints(r.inode());
    if (handed != null && handed.connected()) {
      synchronized (r) {
        if (r.kernelTuple == null) {
          r.kernelTuple = handed.endpoints();
        }
      }
    }
  }

  // ---- records ----

  /** The open record of the socket on {@code fd}, created if the socket is new to us. */
  private ConnectionRecord recordFor(int fd) {
    ConnectionRecord r = byFd.get(fd);
    if (r != null && !r.closed()) {
      return r;
    }
    long inode = SocketCalls.inode(fd);
    if (inode <= 0) {
      return null;
    }
    r = registry.find(inode);
    if (r == null || r.closed()) {
      int transport = transportOf(fd);
      if (transport == 0) {
        return null;
      }
      r = newRecord(inode, transport, initialRole(transport), null, true, false);
      r.foundOpen = true;
    }
    byFd.set(fd, r);
    return r;
  }

  /** Whether this tick's budget of stack reads has one left (a read, no write, once it is spent). */
  private boolean creatorBudget() {
    return creatorsThisTick.get() < creatorsPerTick
        && creatorsThisTick.getAndIncrement() < creatorsPerTick;
  }

  /** {@code inKernel}: the kernel already put {@code inode} into the {@code sockets} map. */
  private ConnectionRecord newRecord(
      long inode, int transport, Role role, String fallbackCreator, boolean walk, boolean inKernel) {
    String creator = creators == null || !walk || !creatorBudget() ? null : creators.firstApplicationClass();
    ConnectionRecord r =
        new ConnectionRecord(
            inode,
            transport,
            role,
            creator != null ? creator : fallbackCreator,
            Thread.currentThread().getName(),
            clock.getAsLong());
    ConnectionRecord old = registry.add(r);
    if (old != null && old != r) {
      evicted.add(old);
    }
    synchronized (r) {
      r.kernelSocket = true;
      SocketMaps m = maps;
      if (m != null && !inKernel) {
        m.addSocket(inode);
      }
    }
    return r;
  }

  /** Reads the endpoints of {@code fd} into {@code r} and registers its tuple or port. */
  private void describe(int fd, ConnectionRecord r) {
    if (r.transport() == UNIX) {
      return;
    }
    CreationSlots s = slots;
    // Right after bind(), connect() or accept() the kernel may have registered the port
    // (nd_post_bind4/6) or the tuple (nd_sock_ops, nd_getpeername4/6) and left the endpoints.
    CreationSlots.Handoff handed = s == null ? null : s.takeEndpoints(r.inode());
    boolean tupleInKernel = handed != null && handed.connected();
    boolean portInKernel = handed != null && !handed.connected();
    Endpoints e = tupleInKernel ? handed.endpoints() : readEndpoints(fd, r, handed);
    if (e == null) {
      return;
    }
    int localPort = e.localPort();
    int remotePort = e.remotePort();
    // listen() itself is not reported (it follows bind() and changes no endpoint), so a TCP socket
    // bound without a peer counts as a listener, and its port as ours, until it connects.
    boolean listening = remotePort == 0 && r.transport() == TCP;
    synchronized (r) {
      r.endpoints(e);
      if (r.transport() == TCP) {
        if (remotePort != 0) {
          r.role(r.role() == Role.SERVER ? Role.SERVER : Role.CLIENT);
        } else if (listening) {
          r.role(Role.LISTENER);
        }
      }
      SocketMaps m = maps;
      if (remotePort != 0) {
        if (!e.equals(r.kernelTuple)) {
          Endpoints old = r.kernelTuple;
          r.kernelTuple = e;
          if (m != null) {
            if (old != null) {
              m.removeTupleIfOwned(netns, old.toEntry(r.inode(), r.protocol()));
            }
            if (!tupleInKernel) {
              m.addTuple(netns, e.toEntry(r.inode(), r.protocol()));
            }
          }
        }
      } else if (localPort != 0 && (listening || r.transport() == UDP) && r.kernelPort != localPort) {
        r.kernelPort = localPort;
        if (m != null && !portInKernel) {
          m.addPort(netns, r.protocol(), localPort, r.inode());
        }
      }
    }
  }

  /**
   * The endpoints of {@code fd} by getsockname()/getpeername(); the local one comes from {@code
   * bound} instead when the kernel handed it over at bind(). Null if {@code fd} is not an
   * IPv4/IPv6 socket with a local address.
   */
  private static Endpoints readEndpoints(int fd, ConnectionRecord r, CreationSlots.Handoff bound) {
    byte[] sa = new byte[SOCKADDR];
    int family;
    byte[] local;
    int localPort;
    if (bound != null) {
      family = bound.family();
      local = bound.local();
      localPort = bound.localPort();
    } else {
      if (!SocketCalls.address(fd, false, sa)) {
        return null;
      }
      family = SocketCalls.family(sa);
      local = new byte[16];
      SocketCalls.copyAddress(sa, local);
      localPort = SocketCalls.port(sa);
    }
    if (family != InetText.AF_INET && family != InetText.AF_INET6) {
      return null;
    }
    byte[] remote = new byte[16];
    int remotePort = 0;
    // A UDP socket has a peer only once connected, which the instrumentation reports first: an
    // unconnected one (most of them) is spared the system call. So is a socket that was just bound
    // (bound != null): bind() always comes before connect().
    Endpoints known = r.endpoints();
    boolean peer =
        bound == null
            && (r.transport() != UDP || r.foundOpen || (known != null && known.remotePort() != 0));
    if (peer && SocketCalls.address(fd, true, sa) && SocketCalls.family(sa) == family) {
      SocketCalls.copyAddress(sa, remote);
      remotePort = SocketCalls.port(sa);
    }
    return Endpoints.of(family, local, localPort, remote, remotePort);
  }

  private void writeAll(SocketMaps m, ConnectionRecord r) {
    if (r.kernelSocket) {
      m.addSocket(r.inode());
    }
    if (r.kernelPort != 0) {
      m.addPort(netns, r.protocol(), r.kernelPort, r.inode());
    }
    if (r.kernelTuple != null) {
      m.addTuple(netns, r.kernelTuple.toEntry(r.inode(), r.protocol()));
    }
  }

  /**
   * Adds what {@code r} put into the kernel's {@code ports} and {@code tuples} to {@code batch}
   * (released only while they still belong to {@code r}), and removes its inode from {@code
   * sockets} if still there.
   */
  private void release(ConnectionRecord r, SocketMaps.Releases batch) {
    synchronized (r) {
      SocketMaps m = maps;
      if (m != null) {
        if (r.kernelSocket) {
          guarded(() -> m.removeSocket(r.inode()));
        }
        if (r.kernelPort != 0) {
          batch.port(netns, r.protocol(), r.kernelPort, r.inode());
        }
        if (r.kernelTuple != null) {
          batch.tuple(netns, r.kernelTuple.toEntry(r.inode(), r.protocol()));
        }
      }
      r.kernelSocket = false;
      r.kernelPort = 0;
      r.kernelTuple = null;
    }
  }

  private static int transportOf(int fd) {
    int domain = SocketCalls.domain(fd);
    if (domain == SocketCalls.AF_UNIX) {
      return UNIX;
    }
    if (domain != SocketCalls.AF_INET && domain != SocketCalls.AF_INET6) {
      return 0;
    }
    int type = SocketCalls.type(fd);
    return type == SocketCalls.SOCK_STREAM ? TCP : type == SocketCalls.SOCK_DGRAM ? UDP : 0;
  }

  private static Role initialRole(int transport) {
    return transport == UDP ? Role.UDP : transport == UNIX ? Role.UNIX : Role.TCP;
  }

  private void guarded(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException | LinkageError e) {
      failed(e);
    }
  }

  private void failed(Throwable e) {
    failures.increment();
    lastFailure = e.toString();
  }

  /** Records currently held (for tests and diagnostics). */
  List<ConnectionRecord> records() {
    return registry.records();
  }
}
