package io.netdrop.sockets.diag;

import static io.netdrop.sockets.diag.NetlinkAbi.*;

import io.netdrop.bpf.sys.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Decodes the datagrams of a sock_diag dump reply. A dump arrives as one or more datagrams, each
 * holding one or more netlink messages, and ends with {@code NLMSG_DONE}. Every length is checked
 * against the bytes actually received, so a corrupt reply raises {@link SockDiagException} naming
 * the offset, never an index error.
 */
final class DiagReplyParser {
  private DiagReplyParser() {}

  /**
   * Adds the listeners of one datagram to {@code out}.
   *
   * @param datagram the bytes received, from its position to its limit
   * @param seq the sequence number of our request; messages with another (left over from an
   *     earlier, abandoned dump) are skipped
   * @param family the family requested; a reply for another is corrupt
   * @return true if this datagram ended the dump ({@code NLMSG_DONE})
   * @throws SockDiagException if the kernel reported an error or a length is inconsistent
   */
  static boolean parse(ByteBuffer datagram, int seq, int family, List<ListenerStats> out) {
    ByteBuffer b = datagram.slice().order(ByteOrder.nativeOrder());
    int end = b.limit();
    int offset = 0;
    while (offset < end) {
      if (end - offset < NLMSG_HDRLEN) {
        throw corrupt(offset, "only " + (end - offset) + " bytes left for a 16-byte netlink header");
      }
      int length = b.getInt(offset);
      int type = b.getShort(offset + 4) & 0xffff;
      int messageSeq = b.getInt(offset + 8);
      if (length < NLMSG_HDRLEN || length > end - offset) {
        throw corrupt(offset, "netlink message length " + Integer.toUnsignedString(length)
            + " outside 16.." + (end - offset) + " (the bytes left)");
      }
      if (messageSeq == seq) {
        ByteBuffer payload = b.slice(offset + NLMSG_HDRLEN, length - NLMSG_HDRLEN).order(b.order());
        switch (type) {
          case NLMSG_DONE:
            checkDone(payload);
            return true;
          case NLMSG_ERROR:
            checkError(payload, offset);
            break;
          case NLMSG_NOOP:
            break;
          case NLMSG_OVERRUN:
            throw new SockDiagException("sock_diag dump lost data (NLMSG_OVERRUN)");
          case SOCK_DIAG_BY_FAMILY:
            ListenerStats listener = listener(payload, offset + NLMSG_HDRLEN, family);
            if (listener != null) {
              out.add(listener);
            }
            break;
          default:
            throw corrupt(offset, "unexpected netlink message type " + type);
        }
      }
      // The last message of a datagram may omit its alignment padding.
      offset += Math.min(align(length), end - offset);
    }
    return false;
  }

  // NLMSG_DONE of a dump carries an int: 0, or a negative errno when the dump failed midway.
  private static void checkDone(ByteBuffer payload) {
    if (payload.limit() >= 4 && payload.getInt(0) < 0) {
      int errno = -payload.getInt(0);
      throw new SockDiagException("sock_diag dump failed: " + Errno.describe(errno));
    }
  }

  // NLMSG_ERROR: int error (negative errno, or 0 for an acknowledgement), then our request's header.
  private static void checkError(ByteBuffer payload, int offset) {
    if (payload.limit() < 4) {
      throw corrupt(offset, "NLMSG_ERROR with " + payload.limit() + " payload bytes, needs 4");
    }
    int error = payload.getInt(0);
    if (error != 0) {
      int errno = error < 0 ? -error : error;
      throw new SockDiagException("kernel refused the sock_diag request: " + Errno.describe(errno));
    }
  }

  private static ListenerStats listener(ByteBuffer m, int base, int family) {
    if (m.limit() < DIAG_MSG_SIZE) {
      throw corrupt(base, "inet_diag_msg of " + m.limit() + " bytes, needs " + DIAG_MSG_SIZE);
    }
    int msgFamily = m.get(DIAG_MSG_FAMILY) & 0xff;
    if (msgFamily != family) {
      throw corrupt(base, "inet_diag_msg of family " + msgFamily + " in a dump of family " + family);
    }
    if ((m.get(DIAG_MSG_STATE) & 0xff) != TCP_LISTEN) {
      return null; // not asked for; the kernel filters by state, so this is not expected
    }
    int port = ((m.get(DIAG_MSG_ID + SOCKID_SPORT) & 0xff) << 8) | (m.get(DIAG_MSG_ID + SOCKID_SPORT + 1) & 0xff);
    byte[] address = new byte[16];
    m.get(DIAG_MSG_ID + SOCKID_SRC, address, 0, family == AF_INET ? 4 : 16);
    long inode = Integer.toUnsignedLong(m.getInt(DIAG_MSG_INODE));
    int acceptQueue = m.getInt(DIAG_MSG_RQUEUE);
    int backlog = m.getInt(DIAG_MSG_WQUEUE);
    long drops = drops(m, base);
    return new ListenerStats(inode, family, address, port, drops, acceptQueue, backlog);
  }

  // The attributes after inet_diag_msg; returns SK_MEMINFO_DROPS, or -1 if the kernel sent none.
  private static long drops(ByteBuffer m, int base) {
    int end = m.limit();
    int offset = align(DIAG_MSG_SIZE);
    long drops = -1;
    while (end - offset >= RTA_HDRLEN) {
      int length = Short.toUnsignedInt(m.getShort(offset));
      int type = Short.toUnsignedInt(m.getShort(offset + 2));
      if (length < RTA_HDRLEN || length > end - offset) {
        throw corrupt(base + offset, "attribute length " + length + " outside 4.." + (end - offset) + " (the bytes left)");
      }
      // The kernel may set NLA_F_NESTED / NLA_F_NET_BYTEORDER in the top bits of the type.
      if ((type & 0x3fff) == INET_DIAG_SKMEMINFO) {
        int payload = length - RTA_HDRLEN;
        if (payload % 4 != 0) {
          throw corrupt(base + offset, "INET_DIAG_SKMEMINFO of " + payload + " bytes, not a u32 array");
        }
        if (payload / 4 > SK_MEMINFO_DROPS) {
          drops = Integer.toUnsignedLong(m.getInt(offset + RTA_HDRLEN + 4 * SK_MEMINFO_DROPS));
        }
      }
      offset += Math.min(align(length), end - offset);
    }
    if (offset != end) {
      throw corrupt(base + offset, (end - offset) + " stray bytes after the attributes");
    }
    return drops;
  }

  private static SockDiagException corrupt(int offset, String problem) {
    return new SockDiagException("corrupt sock_diag reply at byte " + offset + ": " + problem);
  }
}
