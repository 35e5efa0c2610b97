package io.netdrop.sockets;

import io.netdrop.bootstrap.SocketEvents;

/** Builds registry content directly, for tests outside this package. */
public final class TestRecords {
  private TestRecords() {}

  /** Adds an open TCP record with these endpoints (remotePort 0: none). */
  public static ConnectionRecord add(
      ConnectionRegistry registry, long inode, ConnectionRecord.Role role, Endpoints endpoints,
      String creator, String thread, long openedNanos) {
    ConnectionRecord r = new ConnectionRecord(inode,
        role == ConnectionRecord.Role.UDP ? SocketEvents.UDP : SocketEvents.TCP, role, creator, thread, openedNanos);
    r.endpoints(endpoints);
    registry.add(r);
    return r;
  }

  public static void close(ConnectionRegistry registry, ConnectionRecord r, long nanos) {
    registry.close(r, nanos);
  }

  /** Notes that {@code span} used the socket at {@code nanos} (identity comparison of spans). */
  public static void spanUse(ConnectionRecord r, Object span, long nanos) {
    r.spanUsed(span, () -> null, nanos, () -> nanos);
  }

  public static void use(ConnectionRecord r, String thread, long nanos) {
    r.used(thread, nanos);
  }
}
