package io.netdrop.drops;

import io.netdrop.sockets.InetText;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One dropped packet of ours, as the BPF program writes it to the {@code events} ring buffer:
 * a mutable flyweight mirroring {@code struct nd_event} of {@code bpf/netdrop.h}. {@link #decode}
 * copies the record's fields into this object, so one instance serves a whole ring-buffer drain
 * without allocating; it is not thread-safe and its values change on every decode.
 */
public final class DropEvent {

  /** {@code sizeof(struct nd_event)}. */
  public static final int SIZE = 88;

  /** {@code nd_event.match}: how the drop was tied to this JVM ({@code ND_MATCH_*}). */
  public static final int MATCH_SOCKET = 1;
  public static final int MATCH_TUPLE = 2;
  public static final int MATCH_PORT = 3;

  // Byte offsets of struct nd_event in bpf/netdrop.h; change both together (and ND_ABI_VERSION).
  static final int OFF_TIMESTAMP_NS = 0; // __u64
  static final int OFF_LOCATION = 8; // __u64
  static final int OFF_SOCK_INODE = 16; // __u64
  static final int OFF_REASON = 24; // __u32
  static final int OFF_NETNS = 28; // __u32
  static final int OFF_IFINDEX = 32; // __u32
  static final int OFF_SKB_LEN = 36; // __u32
  static final int OFF_CPU = 40; // __u32
  static final int OFF_FAMILY = 44; // __u16
  static final int OFF_PROTOCOL = 46; // __u8
  static final int OFF_MATCH = 47; // __u8
  static final int OFF_SADDR = 48; // __u8[16]
  static final int OFF_DADDR = 64; // __u8[16]
  static final int OFF_SPORT = 80; // __u16, host order
  static final int OFF_DPORT = 82; // __u16, host order
  static final int ADDR_LEN = 16;

  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private long timestampNanos;
  private long location;
  private long socketInode;
  private int reason;
  private int netns;
  private int ifindex;
  private int skbLength;
  private int cpu;
  private int family;
  private int protocol;
  private int match;
  private int sourcePort;
  private int destinationPort;
  private final byte[] saddr = new byte[ADDR_LEN];
  private final byte[] daddr = new byte[ADDR_LEN];

  /**
   * Copies the event at {@code offset} of {@code buf} into this object. Reads are absolute (the
   * buffer's position, limit and order are not changed) and in native byte order whatever the
   * buffer's order, as the kernel wrote them. Allocates nothing.
   *
   * @throws DropDecodeException if fewer than {@link #SIZE} bytes lie between {@code offset} and
   *     the buffer's limit
   */
  public void decode(ByteBuffer buf, int offset) {
    if (offset < 0 || offset > buf.limit() - SIZE) {
      throw new DropDecodeException(
          "drop event needs " + SIZE + " bytes at offset " + offset + ", buffer limit is " + buf.limit());
    }
    boolean swap = buf.order() != NATIVE;
    timestampNanos = u64(buf, offset + OFF_TIMESTAMP_NS, swap);
    location = u64(buf, offset + OFF_LOCATION, swap);
    socketInode = u64(buf, offset + OFF_SOCK_INODE, swap);
    reason = u32(buf, offset + OFF_REASON, swap);
    netns = u32(buf, offset + OFF_NETNS, swap);
    ifindex = u32(buf, offset + OFF_IFINDEX, swap);
    skbLength = u32(buf, offset + OFF_SKB_LEN, swap);
    cpu = u32(buf, offset + OFF_CPU, swap);
    family = u16(buf, offset + OFF_FAMILY, swap);
    protocol = buf.get(offset + OFF_PROTOCOL) & 0xff;
    match = buf.get(offset + OFF_MATCH) & 0xff;
    buf.get(offset + OFF_SADDR, saddr, 0, ADDR_LEN);
    buf.get(offset + OFF_DADDR, daddr, 0, ADDR_LEN);
    sourcePort = u16(buf, offset + OFF_SPORT, swap);
    destinationPort = u16(buf, offset + OFF_DPORT, swap);
  }

  private static long u64(ByteBuffer b, int i, boolean swap) {
    long v = b.getLong(i);
    return swap ? Long.reverseBytes(v) : v;
  }

  private static int u32(ByteBuffer b, int i, boolean swap) {
    int v = b.getInt(i);
    return swap ? Integer.reverseBytes(v) : v;
  }

  private static int u16(ByteBuffer b, int i, boolean swap) {
    short v = b.getShort(i);
    return (swap ? Short.reverseBytes(v) : v) & 0xffff;
  }

  /** {@code bpf_ktime_get_ns()} at the drop: CLOCK_MONOTONIC nanoseconds (see {@link MonotonicClock}). */
  public long timestampNanos() {
    return timestampNanos;
  }

  /** Kernel address of the code that dropped the packet. */
  public long location() {
    return location;
  }

  /** Inode of our socket the drop belongs to. */
  public long socketInode() {
    return socketInode;
  }

  /** Raw {@code enum skb_drop_reason} value of the running kernel (unsigned 32-bit). */
  public int reason() {
    return reason;
  }

  /** Network namespace inode (unsigned 32-bit). */
  public int netns() {
    return netns;
  }

  /** Interface index the packet was on; 0 if none. */
  public int ifindex() {
    return ifindex;
  }

  /** {@code skb->len}: bytes of the dropped packet from its current header on. */
  public int skbLength() {
    return skbLength;
  }

  /** The CPU the drop happened on. */
  public int cpu() {
    return cpu;
  }

  /** 2 (AF_INET), 10 (AF_INET6), or 0 if the packet's headers were not parsed. */
  public int family() {
    return family;
  }

  /** IP protocol number: 6 TCP, 17 UDP, others as is. */
  public int protocol() {
    return protocol;
  }

  /** How the drop was tied to this JVM: {@link #MATCH_SOCKET}, {@link #MATCH_TUPLE}, {@link #MATCH_PORT}. */
  public int match() {
    return match;
  }

  /** The packet's source port. */
  public int sourcePort() {
    return sourcePort;
  }

  /** The packet's destination port. */
  public int destinationPort() {
    return destinationPort;
  }

  /**
   * Copies the 16-byte source address (IPv4 in the first 4 bytes) into {@code dst16}.
   *
   * @throws IllegalArgumentException if {@code dst16} is shorter than 16 bytes
   */
  public void copySourceAddress(byte[] dst16) {
    System.arraycopy(saddr, 0, requireAddressArray(dst16), 0, ADDR_LEN);
  }

  /**
   * Copies the 16-byte destination address (IPv4 in the first 4 bytes) into {@code dst16}.
   *
   * @throws IllegalArgumentException if {@code dst16} is shorter than 16 bytes
   */
  public void copyDestinationAddress(byte[] dst16) {
    System.arraycopy(daddr, 0, requireAddressArray(dst16), 0, ADDR_LEN);
  }

  private static byte[] requireAddressArray(byte[] dst16) {
    if (dst16 == null || dst16.length < ADDR_LEN) {
      throw new IllegalArgumentException(
          "address destination needs " + ADDR_LEN + " bytes, has " + (dst16 == null ? "none" : dst16.length));
    }
    return dst16;
  }

  /** The source address as text ({@code "127.0.0.1"}, {@code "::1"}); allocates, for logs. */
  public String sourceAddressString() {
    return InetText.address(family, saddr);
  }

  /** The destination address as text; allocates, for logs. */
  public String destinationAddressString() {
    return InetText.address(family, daddr);
  }

  @Override
  public String toString() {
    return "DropEvent[reason=" + Integer.toUnsignedString(reason) + " inode=" + socketInode
        + " " + InetText.endpoint(family, saddr, sourcePort) + " > "
        + InetText.endpoint(family, daddr, destinationPort) + " proto=" + protocol
        + " match=" + match + "]";
  }
}
