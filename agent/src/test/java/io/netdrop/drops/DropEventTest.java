package io.netdrop.drops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DropEventTest {

  @Test
  void decodesHandBuiltIpv4Event() {
    DropEvent e = new DropEvent();
    e.decode(Events.ipv4NoSocket(ByteOrder.nativeOrder()), 0);
    assertEquals(5_000_000_123_456L, e.timestampNanos());
    assertEquals(0xffffffff810041b2L, e.location());
    assertEquals(41822, e.socketInode());
    assertEquals(3, e.reason());
    assertEquals(0xf0000098, e.netns());
    assertEquals(1, e.ifindex());
    assertEquals(60, e.skbLength());
    assertEquals(1, e.cpu());
    assertEquals(2, e.family());
    assertEquals(6, e.protocol());
    assertEquals(DropEvent.MATCH_TUPLE, e.match());
    assertEquals(43122, e.sourcePort(), "ports above 32767 are unsigned");
    assertEquals(9, e.destinationPort());
    assertEquals("127.0.0.1", e.sourceAddressString());
    assertEquals("127.0.0.1", e.destinationAddressString());
    byte[] a = new byte[16];
    e.copySourceAddress(a);
    assertArrayEquals(Events.v4(127, 0, 0, 1), a);
  }

  @Test
  void decodesHandBuiltIpv6EventAtAnOffset() {
    ByteBuffer buf = ByteBuffer.allocate(8 + DropEvent.SIZE + 8).order(ByteOrder.nativeOrder());
    byte[] src = new byte[16];
    src[0] = 0x20;
    src[1] = 0x01;
    src[2] = 0x0d;
    src[3] = (byte) 0xb8;
    src[15] = 7;
    Events.record(buf, 8, 1L, 0xffffffffc0100020L, 99, 6 /* reason */, (int) 4026531840L,
        0, 1280, 0, 10, 17, DropEvent.MATCH_SOCKET, src, Events.v6Loopback(), 65535, 8080);
    DropEvent e = new DropEvent();
    e.decode(buf, 8);
    assertEquals(10, e.family());
    assertEquals(17, e.protocol());
    assertEquals(DropEvent.MATCH_SOCKET, e.match());
    assertEquals(99, e.socketInode());
    assertEquals(-268435456, e.netns(), "unsigned 4026531840 seen as an int");
    assertEquals(1280, e.skbLength());
    assertEquals(65535, e.sourcePort());
    assertEquals(8080, e.destinationPort());
    assertEquals("2001:db8::7", e.sourceAddressString());
    assertEquals("::1", e.destinationAddressString());
    byte[] d = new byte[16];
    e.copyDestinationAddress(d);
    assertArrayEquals(Events.v6Loopback(), d);
    assertEquals(0, buf.position(), "decode must not move the buffer");
  }

  @Test
  void readsNativeOrderWhateverTheBuffersOrder() {
    ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    ByteBuffer buf = Events.ipv4NoSocket(ByteOrder.nativeOrder());
    buf.order(other);
    DropEvent e = new DropEvent();
    e.decode(buf, 0);
    assertEquals(41822, e.socketInode());
    assertEquals(43122, e.sourcePort());
    assertEquals(0xffffffff810041b2L, e.location());
    assertEquals(other, buf.order(), "the caller's buffer order is left alone");
  }

  @Test
  void rejectsRecordsCutShort() {
    DropEvent e = new DropEvent();
    ByteBuffer small = ByteBuffer.allocate(DropEvent.SIZE - 1);
    DropDecodeException ex = assertThrows(DropDecodeException.class, () -> e.decode(small, 0));
    assertTrue(ex.getMessage().contains("88 bytes at offset 0"), ex.getMessage());
    ByteBuffer buf = ByteBuffer.allocate(100);
    assertThrows(DropDecodeException.class, () -> e.decode(buf, 13));
    assertThrows(DropDecodeException.class, () -> e.decode(buf, -1));
    assertThrows(IllegalArgumentException.class, () -> e.copySourceAddress(new byte[4]));
  }

  @Test
  void decodingAMillionEventsAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    ByteBuffer ring = ByteBuffer.allocateDirect(DropEvent.SIZE * 4).order(ByteOrder.nativeOrder());
    for (int i = 0; i < 4; i++) {
      Events.record(ring, i * DropEvent.SIZE, i, i, i, i, i, i, i, i, 2, 6, 1, Events.v4(10, 0, 0, i), Events.v4(10, 0, 0, 9), i, 80);
    }
    DropEvent e = new DropEvent();
    long sink = decodeMany(e, ring, 200_000); // warm up, so JIT compilation is not counted
    long before = threads.getThreadAllocatedBytes(tid);
    sink += decodeMany(e, ring, 1_000_000);
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    assertTrue(sink != 42, "keeps the loop alive");
    // Any allocation per decode would show as >= 16 MB here; allow for the measuring itself.
    assertTrue(allocated < 64 * 1024, "decoding 1M events allocated " + allocated + " bytes");
  }

  private static long decodeMany(DropEvent e, ByteBuffer ring, int n) {
    long sum = 0;
    for (int i = 0; i < n; i++) {
      e.decode(ring, (i & 3) * DropEvent.SIZE);
      sum += e.socketInode() + e.sourcePort() + e.reason() + e.family();
    }
    return sum;
  }

  /**
   * Lays out struct nd_event from bpf/netdrop.h with C's natural alignment and checks every
   * offset constant against it, so the two cannot drift apart unnoticed.
   */
  @Test
  void offsetsMatchStructNdEventInTheAbiHeader() throws Exception {
    String header = Files.readString(Path.of("../bpf/netdrop.h"));
    Matcher struct = Pattern.compile("struct nd_event \\{(.*?)\\};", Pattern.DOTALL).matcher(header);
    assertTrue(struct.find(), "struct nd_event not found in bpf/netdrop.h");
    Map<String, Integer> offsets = new LinkedHashMap<>();
    Matcher field = Pattern.compile("__u(8|16|32|64)\\s+(\\w+)(\\[ND_ADDR_LEN\\])?;").matcher(struct.group(1));
    int offset = 0;
    int maxAlign = 1;
    while (field.find()) {
      int size = Integer.parseInt(field.group(1)) / 8;
      offset = (offset + size - 1) / size * size;
      maxAlign = Math.max(maxAlign, size);
      offsets.put(field.group(2), offset);
      offset += field.group(3) == null ? size : size * 16;
    }
    int total = (offset + maxAlign - 1) / maxAlign * maxAlign;
    assertEquals(DropEvent.SIZE, total);
    assertEquals(16, Pattern.compile("#define ND_ADDR_LEN (\\d+)").matcher(header).results().findFirst().map(r -> Integer.parseInt(r.group(1))).orElseThrow());
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("timestamp_ns", DropEvent.OFF_TIMESTAMP_NS);
    expected.put("location", DropEvent.OFF_LOCATION);
    expected.put("sock_inode", DropEvent.OFF_SOCK_INODE);
    expected.put("reason", DropEvent.OFF_REASON);
    expected.put("netns", DropEvent.OFF_NETNS);
    expected.put("ifindex", DropEvent.OFF_IFINDEX);
    expected.put("skb_len", DropEvent.OFF_SKB_LEN);
    expected.put("cpu", DropEvent.OFF_CPU);
    expected.put("family", DropEvent.OFF_FAMILY);
    expected.put("protocol", DropEvent.OFF_PROTOCOL);
    expected.put("match", DropEvent.OFF_MATCH);
    expected.put("saddr", DropEvent.OFF_SADDR);
    expected.put("daddr", DropEvent.OFF_DADDR);
    expected.put("sport", DropEvent.OFF_SPORT);
    expected.put("dport", DropEvent.OFF_DPORT);
    for (Map.Entry<String, Integer> x : expected.entrySet()) {
      assertEquals(offsets.get(x.getKey()), x.getValue(), "offset of nd_event." + x.getKey());
    }
    assertEquals(expected.size() + 1, offsets.size(), "every field but _pad is decoded: " + offsets.keySet());
  }
}
