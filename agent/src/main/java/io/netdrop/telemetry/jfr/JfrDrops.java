package io.netdrop.telemetry.jfr;

import static io.netdrop.telemetry.TelemetryNames.*;

import io.netdrop.telemetry.Drop;
import io.netdrop.telemetry.DropSink;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import jdk.jfr.FlightRecorder;

/**
 * Writes each reported drop (a single drop or a folded burst) as one {@code io.netdrop.Drop} JFR
 * event, so JDK Mission Control shows drops on the same timeline as GC, socket reads and threads.
 *
 * <p>Costs a static read per drop until a recording has run in this JVM (nothing of JFR's is
 * loaded or set up until then), and one small allocation per drop when no recording wants the
 * event: nothing is filled or written then. The event's start time is when netdrop reported the
 * drop, since JFR sets it from its own clock; the drop's own times are fields of the event (see
 * {@code DropEvent}). Attribute keys in {@code redacted} ({@link
 * io.netdrop.telemetry.TelemetryNames}) leave their field empty (null, or 0 for numbers).
 *
 * <p>A recording dumped at JVM exit ({@code -XX:StartFlightRecording=...,dumponexit=true}) also
 * holds the bursts netdrop reports only as it stops: JFR's shutdown hook, which runs beside
 * netdrop's, waits up to {@link #DEFAULT_EXIT_WAIT_MILLIS} for {@link #close()} before it writes
 * the last chunk. (For a recording started after netdrop, e.g. by {@code jcmd JFR.start}, that
 * wait is set up with the recording's first drop; a first drop reported only as the JVM exits
 * can miss it.) Without the {@code jdk.jfr} module (a jlinked runtime without it) this sink does
 * nothing. Thread-safe.
 */
public final class JfrDrops implements DropSink {
  /** How long, at most, a recording stopped by the JVM's exit waits for netdrop's last drops: 2,000 ms. */
  public static final long DEFAULT_EXIT_WAIT_MILLIS = 2_000;

  private final boolean available;
  private final Set<String> redacted;
  private final LastDrops lastDrops;
  private final AtomicBoolean hooked = new AtomicBoolean();

  /** A sink that writes every field. */
  public JfrDrops() {
    this(Set.of());
  }

  /** A sink that leaves out the fields of the attribute keys in {@code redacted}. */
  public JfrDrops(Set<String> redacted) {
    this(redacted, DEFAULT_EXIT_WAIT_MILLIS, LastDrops::jvmShuttingDown);
  }

  JfrDrops(Set<String> redacted, long exitWaitMillis, BooleanSupplier shuttingDown) {
    this.available = ModuleLayer.boot().findModule("jdk.jfr").isPresent();
    this.redacted = Set.copyOf(redacted);
    this.lastDrops = new LastDrops(exitWaitMillis, shuttingDown);
    if (available && FlightRecorder.isInitialized()) {
      // A recording may run already (-XX:StartFlightRecording), and its first drop come only as
      // the JVM exits, after JFR has run its end-of-chunk hooks: hook in now.
      hookExit();
      // JFR instruments the event class as it loads (10-30 ms): now, not at the first drop.
      new DropEvent();
    }
  }

  @Override
  public void accept(Drop drop) {
    // No recording has ever run in this JVM until JFR is initialized. On JDK 17 the first load of
    // an event class sets up JFR's metadata (some 100 classes, 0.3 s on a busy host): not on the
    // reader thread, at the start of a drop storm, for a recording that does not exist.
    if (available && FlightRecorder.isInitialized()) {
      write(drop);
    }
  }

  /** Kept apart from {@link #accept} so that nothing of jdk.jfr is loaded where it is absent. */
  private void write(Drop d) {
    DropEvent e = new DropEvent();
    if (!e.isEnabled()) {
      return;
    }
    // Else with the first drop a recording wants (one started later, e.g. by jcmd JFR.start): a
    // burst only ever follows such a drop.
    hookExit();
    e.reason = text(REASON, d.reason());
    e.location = text(LOCATION, d.location());
    e.count = number(COUNT, d.count());
    e.firstDrop = d.firstTime().toEpochMilli();
    e.lastDrop = d.lastTime().toEpochMilli();
    e.interval = number(INTERVAL, d.lastNanos() - d.firstNanos());
    e.transport = text(TRANSPORT, d.transport());
    e.networkType = text(NETWORK_TYPE, d.networkType());
    e.localAddress = text(LOCAL_ADDRESS, d.localAddress());
    e.localPort = (int) number(LOCAL_PORT, d.localPort());
    e.peerAddress = text(PEER_ADDRESS, d.peerAddress());
    e.peerPort = (int) number(PEER_PORT, d.peerPort());
    e.direction = text(DIRECTION, d.direction());
    e.role = text(ROLE, d.role());
    e.creator = text(CREATOR, d.creator());
    e.socketInode = number(SOCKET_INODE, d.socketInode());
    e.length = (int) number(LENGTH, d.length());
    e.commit();
  }

  private void hookExit() {
    if (!hooked.get() && hooked.compareAndSet(false, true)) {
      try {
        FlightRecorder.addPeriodicEvent(LastDropsEvent.class, lastDrops);
      } catch (RuntimeException refused) {
        // Only a dump at exit misses the last bursts then; every other drop is still written.
      }
    }
  }

  private String text(String key, String value) {
    return redacted.contains(key) ? null : value;
  }

  private long number(String key, long value) {
    return redacted.contains(key) ? 0 : value;
  }

  /** netdrop has reported its last drop: a recording stopping at exit need not wait any longer. */
  @Override
  public void close() {
    lastDrops.closed();
  }
}
