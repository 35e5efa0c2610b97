package io.netdrop.drops;

import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.Endpoints;
import java.util.Objects;

/**
 * Names the connection a drop hurt, from the {@link ConnectionRegistry}: e.g.
 *
 * <pre>
 * conn=client 127.0.0.1:51234-&gt;127.0.0.1:8443 by com.acme.OrderClient [main] used by [worker-1] ~3ms before
 * conn=server 127.0.0.1:8443-&gt;127.0.0.1:51234 by com.acme.OrderServer [acceptor] closed 120ms ago
 * </pre>
 *
 * <p>The event's socket inode (the socket itself, or the owner of the matched tuple or port) is
 * looked up; a socket the registry does not know gets no description. Times are measured from the
 * drop's own timestamp, so a late line still says how long before the drop the socket closed.
 * Thread-safe.
 */
public final class DropAttribution {
  private static final long NANOS_PER_MILLI = 1_000_000;

  private final ConnectionRegistry registry;

  public DropAttribution(ConnectionRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** The record of the event's socket, or null if the registry does not know it. */
  public ConnectionRecord find(DropEvent e) {
    long inode = e.socketInode();
    return inode <= 0 ? null : registry.find(inode);
  }

  /** Appends {@code " conn=..."} for the event's socket; returns false (and appends nothing) if unknown. */
  public boolean appendTo(StringBuilder b, DropEvent e) {
    ConnectionRecord r = find(e);
    if (r == null) {
      return false;
    }
    b.append(" conn=").append(r.role().label());
    Endpoints ends = r.endpoints();
    if (ends != null) {
      b.append(' ').append(ends);
    }
    if (r.creator() != null) {
      b.append(" by ").append(r.creator());
    }
    b.append(" [").append(r.creatingThread()).append(']');
    String user = r.lastUser();
    if (user != null) {
      // "~": the time of use is known to the registry's use clock (100 ms), not exactly.
      long before = e.timestampNanos() - r.lastUsedNanos();
      b.append(" used by [").append(user).append("] ~");
      appendMillis(b, Math.abs(before)).append(before >= 0 ? " before" : " after");
    }
    if (r.closed() && e.timestampNanos() - r.closedNanos() >= 0) {
      b.append(" closed ");
      appendMillis(b, e.timestampNanos() - r.closedNanos()).append(" ago");
    }
    return true;
  }

  /** The description without the leading space, or null if the socket is unknown. */
  public String describe(DropEvent e) {
    StringBuilder b = new StringBuilder(96);
    return appendTo(b, e) ? b.substring(1) : null;
  }

  private static StringBuilder appendMillis(StringBuilder b, long nanos) {
    return b.append(nanos / NANOS_PER_MILLI).append("ms");
  }
}
