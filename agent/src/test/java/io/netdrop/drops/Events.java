package io.netdrop.drops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds struct nd_event records by hand, the way the BPF program lays them out. */
final class Events {

  private Events() {}

  static ByteBuffer record(
      ByteBuffer buf, int at, long ts, long location, long inode, int reason, int netns, int ifindex,
      int len, int cpu, int family, int protocol, int match, byte[] saddr, byte[] daddr, int sport, int dport) {
    buf.putLong(at, ts);
    buf.putLong(at + 8, location);
    buf.putLong(at + 16, inode);
    buf.putInt(at + 24, reason);
    buf.putInt(at + 28, netns);
    buf.putInt(at + 32, ifindex);
    buf.putInt(at + 36, len);
    buf.putInt(at + 40, cpu);
    buf.putShort(at + 44, (short) family);
    buf.put(at + 46, (byte) protocol);
    buf.put(at + 47, (byte) match);
    buf.put(at + 48, saddr, 0, 16);
    buf.put(at + 64, daddr, 0, 16);
    buf.putShort(at + 80, (short) sport);
    buf.putShort(at + 82, (short) dport);
    buf.putInt(at + 84, 0xdeadbeef); // _pad: must be ignored
    return buf;
  }

  static byte[] v4(int a, int b, int c, int d) {
    byte[] x = new byte[16];
    x[0] = (byte) a;
    x[1] = (byte) b;
    x[2] = (byte) c;
    x[3] = (byte) d;
    return x;
  }

  static byte[] v6Loopback() {
    byte[] x = new byte[16];
    x[15] = 1;
    return x;
  }

  static ByteBuffer ipv4NoSocket(ByteOrder order) {
    ByteBuffer buf = ByteBuffer.allocateDirect(DropEvent.SIZE).order(order);
    return record(buf, 0, 5_000_000_123_456L, 0xffffffff810041b2L, 41822, 3, 0xf0000098, 1, 60, 1,
        2, 6, 2, v4(127, 0, 0, 1), v4(127, 0, 0, 1), 43122, 9);
  }
}
