package io.netdrop.drops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds decoded drop events, for tests outside this package. */
public final class TestDropEvents {
  private TestDropEvents() {}

  /** An IPv4 event of {@code protocol} from 127.0.0.1:{@code sport} to 127.0.0.1:{@code dport}. */
  public static DropEvent ipv4(
      long nanos, long location, long inode, int reason, int protocol, int match, int sport, int dport) {
    ByteBuffer buf = ByteBuffer.allocate(DropEvent.SIZE).order(ByteOrder.nativeOrder());
    Events.record(buf, 0, nanos, location, inode, reason, 1, 1, 60, 0, 2, protocol, match,
        Events.v4(127, 0, 0, 1), Events.v4(127, 0, 0, 1), sport, dport);
    DropEvent e = new DropEvent();
    e.decode(buf, 0);
    return e;
  }
}
