package io.netdrop.bench;

import io.netdrop.drops.DropEvent;
import java.nio.ByteBuffer;

/**
 * The field values of the synthetic drop events, shared by the kernel producer and the
 * pre-built records so both benchmarks decode the same {@code struct nd_event} (bpf/netdrop.h).
 */
final class SampleEvent {
  /** Ring-buffer record header: u32 length (busy/discard bits clear) + u32 page offset. */
  static final int HEADER_SIZE = 8;
  /** Bytes one 88-byte event occupies in the ring: header plus the record, 8-byte aligned. */
  static final int RECORD_STRIDE = (HEADER_SIZE + DropEvent.SIZE + 7) & ~7;

  static final long LOCATION = 0xffffffff81c0ffeeL;
  static final int SOCKET_INODE = 123_456;
  static final int REASON = 6;
  static final int NETNS = 0xf0000001;
  static final int IFINDEX = 1;
  static final int SKB_LENGTH = 60;
  static final int FAMILY = 2;
  static final int PROTOCOL = 17;
  static final int MATCH = DropEvent.MATCH_SOCKET;
  static final int LOOPBACK = 0x0100007f; // 127.0.0.1 read as a little-endian u32
  static final int SOURCE_PORT = 40_000;
  static final int DESTINATION_PORT = 9_999;

  /** family (u16), protocol (u8) and match (u8) as the one u32 they share at offset 44. */
  static final int FAMILY_PROTOCOL_MATCH = FAMILY | PROTOCOL << 16 | MATCH << 24;
  /** sport and dport as the one u32 they share at offset 80. */
  static final int PORTS = SOURCE_PORT | DESTINATION_PORT << 16;

  private SampleEvent() {}

  /** Writes one event at {@code offset} of {@code buf} (native order), as the kernel would. */
  static void write(ByteBuffer buf, int offset, long timestampNanos, int cpu) {
    buf.putLong(offset, timestampNanos);
    buf.putLong(offset + 8, LOCATION);
    buf.putLong(offset + 16, SOCKET_INODE);
    buf.putInt(offset + 24, REASON);
    buf.putInt(offset + 28, NETNS);
    buf.putInt(offset + 32, IFINDEX);
    buf.putInt(offset + 36, SKB_LENGTH);
    buf.putInt(offset + 40, cpu);
    buf.putInt(offset + 44, FAMILY_PROTOCOL_MATCH);
    buf.putLong(offset + 48, LOOPBACK);
    buf.putLong(offset + 56, 0);
    buf.putLong(offset + 64, LOOPBACK);
    buf.putLong(offset + 72, 0);
    buf.putInt(offset + 80, PORTS);
    buf.putInt(offset + 84, 0);
  }

  /** Fails unless {@code event} holds the values this class writes: proves the layout matches. */
  static void check(DropEvent event) {
    if (event.socketInode() != SOCKET_INODE || event.location() != LOCATION
        || event.reason() != REASON || event.netns() != NETNS || event.ifindex() != IFINDEX
        || event.skbLength() != SKB_LENGTH || event.family() != FAMILY
        || event.protocol() != PROTOCOL || event.match() != MATCH
        || event.sourcePort() != SOURCE_PORT || event.destinationPort() != DESTINATION_PORT
        || !event.sourceAddressString().equals("127.0.0.1")
        || !event.destinationAddressString().equals("127.0.0.1")) {
      throw new IllegalStateException("decoded an unexpected event: " + event);
    }
  }
}
