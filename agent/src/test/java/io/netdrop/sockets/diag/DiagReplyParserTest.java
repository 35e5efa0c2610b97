package io.netdrop.sockets.diag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DiagReplyParserTest {
  private static final int SEQ = DiagReplies.SEQ;
  private static final byte[] V4_LOOPBACK = {127, 0, 0, 1};
  private static final byte[] V6_DOC = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

  private static byte[] sixteen(byte[] address) {
    return Arrays.copyOf(address, 16);
  }

  private static List<ListenerStats> parseAll(ByteBuffer datagram, int family, boolean expectDone) {
    List<ListenerStats> out = new ArrayList<>();
    assertEquals(expectDone, DiagReplyParser.parse(datagram, SEQ, family, out));
    return out;
  }

  @Test
  void parsesIpv4ListenerWithDropsQueueAndBacklog() {
    ByteBuffer reply = new DiagReplies()
        .listener(2, 8080, V4_LOOPBACK, 2, 1, 41822, DiagReplies.skmeminfo(17))
        .done()
        .buffer();
    List<ListenerStats> l = parseAll(reply, 2, true);
    assertEquals(List.of(new ListenerStats(41822, 2, sixteen(V4_LOOPBACK), 8080, 17, 2, 1)), l);
    assertEquals("127.0.0.1:8080", io.netdrop.sockets.InetText.endpoint(2, l.get(0).localAddress(), 8080));
  }

  @Test
  void parsesIpv6ListenerWithHighPortAndUnsignedCounters() {
    ByteBuffer reply = new DiagReplies()
        .listener(10, 65535, V6_DOC, 0, 4096, 0xfffffff0L, DiagReplies.skmeminfo(0xfffffffeL))
        .done()
        .buffer();
    ListenerStats l = parseAll(reply, 10, true).get(0);
    assertEquals(10, l.family());
    assertArrayEquals(V6_DOC, l.localAddress());
    assertEquals(65535, l.localPort());
    assertEquals(0xfffffff0L, l.inode(), "idiag_inode is a u32");
    assertEquals(0xfffffffeL, l.drops(), "sk_drops is a u32");
    assertEquals(4096, l.backlog());
  }

  @Test
  void multiPartDumpContinuesAcrossDatagramsUntilDone() {
    ByteBuffer first = new DiagReplies()
        .listener(2, 1, V4_LOOPBACK, 0, 1, 101, DiagReplies.skmeminfo(1))
        .listener(2, 2, V4_LOOPBACK, 0, 1, 102, DiagReplies.skmeminfo(2))
        .buffer();
    ByteBuffer second = new DiagReplies()
        .listener(2, 3, V4_LOOPBACK, 0, 1, 103, DiagReplies.skmeminfo(3))
        .done()
        .buffer();
    List<ListenerStats> out = new ArrayList<>();
    assertFalse(DiagReplyParser.parse(first, SEQ, 2, out), "no NLMSG_DONE yet");
    assertTrue(DiagReplyParser.parse(second, SEQ, 2, out));
    assertEquals(List.of(101L, 102L, 103L), out.stream().map(ListenerStats::inode).toList());
    assertEquals(List.of(1L, 2L, 3L), out.stream().map(ListenerStats::drops).toList());
  }

  @Test
  void emptyDumpIsJustDone() {
    assertEquals(List.of(), parseAll(new DiagReplies().done().buffer(), 10, true));
  }

  @Test
  void errorMessageNamesTheErrno() {
    SockDiagException e = assertThrows(SockDiagException.class,
        () -> parseAll(new DiagReplies().error(-13).buffer(), 2, false));
    assertTrue(e.getMessage().contains("EACCES"), e.getMessage());
  }

  @Test
  void acknowledgementIsNotAnError() {
    assertEquals(List.of(), parseAll(new DiagReplies().error(0).done().buffer(), 2, true));
  }

  @Test
  void doneCarryingANegativeErrnoFailsTheDump() {
    ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(-12);
    ByteBuffer reply = new DiagReplies().message(NetlinkAbi.NLMSG_DONE, 2, SEQ, b.array()).buffer();
    SockDiagException e = assertThrows(SockDiagException.class, () -> parseAll(reply, 2, true));
    assertTrue(e.getMessage().contains("ENOMEM"), e.getMessage());
  }

  @Test
  void overrunIsReported() {
    ByteBuffer reply = new DiagReplies().message(NetlinkAbi.NLMSG_OVERRUN, 0, SEQ, new byte[0]).buffer();
    assertTrue(assertThrows(SockDiagException.class, () -> parseAll(reply, 2, false))
        .getMessage().contains("OVERRUN"));
  }

  @Test
  void skipsMessagesOfAnEarlierAbandonedDump() {
    byte[] stale = DiagReplies.diagMsg(2, 10, 9, V4_LOOPBACK, 0, 1, 999, DiagReplies.skmeminfo(5));
    ByteBuffer reply = new DiagReplies()
        .message(NetlinkAbi.SOCK_DIAG_BY_FAMILY, 2, SEQ - 1, stale)
        .message(NetlinkAbi.NLMSG_DONE, 2, SEQ - 1, new byte[4])
        .listener(2, 80, V4_LOOPBACK, 0, 1, 42, DiagReplies.skmeminfo(0))
        .done()
        .buffer();
    List<ListenerStats> l = parseAll(reply, 2, true);
    assertEquals(List.of(42L), l.stream().map(ListenerStats::inode).toList());
  }

  @Test
  void dropsAreUnknownWithoutTheSkmeminfoDropsSlot() {
    byte[] eightSlots = DiagReplies.attribute(NetlinkAbi.INET_DIAG_SKMEMINFO, new byte[8 * 4]);
    byte[] other = DiagReplies.attribute(NetlinkAbi.INET_DIAG_SKMEMINFO + 1, new byte[1]); // SHUTDOWN, u8
    ByteBuffer reply = new DiagReplies()
        .listener(2, 1, V4_LOOPBACK, 0, 1, 1)
        .listener(2, 2, V4_LOOPBACK, 0, 1, 2, eightSlots, other)
        .done()
        .buffer();
    assertEquals(List.of(-1L, -1L), parseAll(reply, 2, true).stream().map(ListenerStats::drops).toList());
  }

  @Test
  void lastMessageMayOmitItsPadding() {
    byte[] shutdown = new byte[] {5, 0, 8, 0, 3}; // rtattr of 5 bytes, unpadded, at the very end
    byte[] msg = DiagReplies.diagMsg(2, 10, 1, V4_LOOPBACK, 0, 1, 5, DiagReplies.skmeminfo(4), shutdown);
    byte[] whole = new DiagReplies().message(NetlinkAbi.SOCK_DIAG_BY_FAMILY, 2, SEQ, msg).bytes();
    ByteBuffer unpadded = ByteBuffer.wrap(whole, 0, 16 + msg.length);
    assertEquals(4L, parseAll(unpadded, 2, false).get(0).drops());
  }

  @Test
  void rejectsTruncatedReplyAtEveryCutInsideAMessage() {
    byte[] whole = new DiagReplies()
        .listener(10, 443, V6_DOC, 0, 1, 7, DiagReplies.skmeminfo(9))
        .done()
        .bytes();
    int firstEnd = 16 + NetlinkAbi.DIAG_MSG_SIZE + 4 + 36;
    for (int cut = 1; cut < whole.length; cut++) {
      ByteBuffer partial = ByteBuffer.wrap(Arrays.copyOf(whole, cut));
      if (cut == firstEnd) {
        assertEquals(1, parseAll(partial, 10, false).size(), "a whole message, dump not done");
        continue;
      }
      int at = cut;
      SockDiagException e = assertThrows(SockDiagException.class,
          () -> DiagReplyParser.parse(partial, SEQ, 10, new ArrayList<>()), "cut at " + at);
      assertTrue(e.getMessage().startsWith("corrupt sock_diag reply at byte "), e.getMessage());
    }
  }

  @Test
  void rejectsMessageLengthBeyondTheDatagram() {
    byte[] b = new DiagReplies().listener(2, 1, V4_LOOPBACK, 0, 1, 1, DiagReplies.skmeminfo(0)).bytes();
    ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, b.length + 4);
    SockDiagException e = assertThrows(SockDiagException.class, () -> parseAll(ByteBuffer.wrap(b), 2, false));
    assertTrue(e.getMessage().contains("netlink message length " + (b.length + 4)), e.getMessage());
  }

  @Test
  void rejectsMessageLengthBelowTheHeader() {
    byte[] b = new DiagReplies().done().bytes();
    ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, 8);
    assertThrows(SockDiagException.class, () -> parseAll(ByteBuffer.wrap(b), 2, false));
  }

  @Test
  void rejectsAttributeLengthBeyondTheMessage() {
    byte[] attr = DiagReplies.skmeminfo(1);
    ByteBuffer.wrap(attr).order(ByteOrder.nativeOrder()).putShort(0, (short) 200);
    ByteBuffer reply = new DiagReplies().listener(2, 1, V4_LOOPBACK, 0, 1, 1, attr).buffer();
    SockDiagException e = assertThrows(SockDiagException.class, () -> parseAll(reply, 2, false));
    assertTrue(e.getMessage().contains("attribute length 200"), e.getMessage());
  }

  @Test
  void rejectsSkmeminfoThatIsNotAU32Array() {
    byte[] attr = DiagReplies.attribute(NetlinkAbi.INET_DIAG_SKMEMINFO, new byte[37]);
    ByteBuffer reply = new DiagReplies().listener(2, 1, V4_LOOPBACK, 0, 1, 1, attr).buffer();
    assertTrue(assertThrows(SockDiagException.class, () -> parseAll(reply, 2, false))
        .getMessage().contains("INET_DIAG_SKMEMINFO of 37 bytes"));
  }

  @Test
  void rejectsAReplyOfAnotherFamily() {
    ByteBuffer reply = new DiagReplies().listener(10, 1, V6_DOC, 0, 1, 1, DiagReplies.skmeminfo(0)).buffer();
    assertTrue(assertThrows(SockDiagException.class, () -> parseAll(reply, 2, false))
        .getMessage().contains("family 10 in a dump of family 2"));
  }

  @Test
  void rejectsShortInetDiagMsgAndUnknownMessageType() {
    ByteBuffer shortMsg = new DiagReplies().message(NetlinkAbi.SOCK_DIAG_BY_FAMILY, 2, SEQ, new byte[40]).buffer();
    assertTrue(assertThrows(SockDiagException.class, () -> parseAll(shortMsg, 2, false))
        .getMessage().contains("inet_diag_msg of 40 bytes"));
    ByteBuffer unknown = new DiagReplies().message(99, 0, SEQ, new byte[0]).buffer();
    assertTrue(assertThrows(SockDiagException.class, () -> parseAll(unknown, 2, false))
        .getMessage().contains("type 99"));
  }

  @Test
  void ignoresNonListenersTheKernelWasNotAskedFor() {
    byte[] established = DiagReplies.diagMsg(2, 1, 5, V4_LOOPBACK, 0, 0, 3, DiagReplies.skmeminfo(0));
    ByteBuffer reply = new DiagReplies()
        .message(NetlinkAbi.SOCK_DIAG_BY_FAMILY, 2, SEQ, established).done().buffer();
    assertEquals(List.of(), parseAll(reply, 2, true));
  }

  /** Corrupted and random input: the parser either returns or throws SockDiagException, nothing else. */
  @Test
  void survivesGeneratedCorruptInput() {
    Random random = new Random(20261125);
    byte[] valid = new DiagReplies()
        .listener(2, 8080, V4_LOOPBACK, 2, 1, 41822, DiagReplies.skmeminfo(17))
        .listener(2, 8081, V4_LOOPBACK, 0, 128, 41823, DiagReplies.skmeminfo(0),
            DiagReplies.attribute(8, new byte[1]))
        .done()
        .bytes();
    int parsed = 0;
    int rejected = 0;
    for (int round = 0; round < 50_000; round++) {
      byte[] input;
      switch (round % 4) {
        case 0 -> { // flip a few bytes
          input = valid.clone();
          for (int i = random.nextInt(4); i >= 0; i--) {
            input[random.nextInt(input.length)] = (byte) random.nextInt(256);
          }
        }
        case 1 -> input = Arrays.copyOf(valid, random.nextInt(valid.length + 1));
        case 2 -> { // valid header lengths and seq, random bodies
          input = new byte[random.nextInt(300)];
          random.nextBytes(input);
          if (input.length >= 16) {
            ByteBuffer b = ByteBuffer.wrap(input).order(ByteOrder.nativeOrder());
            b.putInt(0, 16 + random.nextInt(input.length - 15));
            b.putShort(4, (short) (random.nextBoolean() ? NetlinkAbi.SOCK_DIAG_BY_FAMILY : random.nextInt(5)));
            b.putInt(8, SEQ);
          }
        }
        default -> { // small edits to lengths
          input = valid.clone();
          ByteBuffer b = ByteBuffer.wrap(input).order(ByteOrder.nativeOrder());
          int at = random.nextInt(input.length - 1) & ~1;
          b.putShort(at, (short) (b.getShort(at) + random.nextInt(9) - 4));
        }
      }
      List<ListenerStats> out = new ArrayList<>();
      try {
        DiagReplyParser.parse(ByteBuffer.wrap(input), SEQ, 2, out);
        parsed++;
        for (ListenerStats l : out) {
          assertEquals(16, l.localAddress().length);
          assertTrue(l.localPort() >= 0 && l.localPort() <= 65535);
          assertTrue(l.drops() >= -1 && l.drops() <= 0xffffffffL);
          assertTrue(l.inode() >= 0 && l.inode() <= 0xffffffffL);
        }
      } catch (SockDiagException e) {
        rejected++;
      } catch (RuntimeException e) {
        fail("input " + Arrays.toString(input) + " raised " + e, e);
      }
    }
    assertTrue(parsed > 1000 && rejected > 1000, "both outcomes exercised: " + parsed + " / " + rejected);
  }

  @Test
  void requestAsksForTcpListenersWithSkmeminfo() {
    ByteBuffer r = DiagRequest.listeners(10, 99).order(ByteOrder.nativeOrder());
    assertEquals(72, r.remaining());
    assertEquals(72, r.getInt(0));
    assertEquals(20, r.getShort(4), "SOCK_DIAG_BY_FAMILY");
    assertEquals(0x301, r.getShort(6), "NLM_F_REQUEST | NLM_F_DUMP");
    assertEquals(99, r.getInt(8));
    assertEquals(10, r.get(16), "sdiag_family");
    assertEquals(6, r.get(17), "IPPROTO_TCP");
    assertEquals(0x40, r.get(18), "1 << (INET_DIAG_SKMEMINFO - 1)");
    assertEquals(1 << 10, r.getInt(20), "1 << TCP_LISTEN");
    for (int i = 24; i < 72; i++) {
      assertEquals(0, r.get(i), "sockid filter byte " + i);
    }
    assertThrows(IllegalArgumentException.class, () -> DiagRequest.listeners(17, 1));
  }
}
