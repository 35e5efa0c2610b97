package io.netdrop.sockets.diag;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds netlink reply bytes the way the kernel lays them out, for the parser tests. */
final class DiagReplies {
  static final int SEQ = 7;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Appends one netlink message (header, payload, padding to 4 bytes). */
  DiagReplies message(int type, int flags, int seq, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(NetlinkAbi.align(16 + payload.length)).order(ByteOrder.nativeOrder());
    b.putInt(16 + payload.length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
    b.put(payload);
    out.writeBytes(b.array());
    return this;
  }

  DiagReplies listener(int family, int port, byte[] address, int rqueue, int wqueue, long inode, byte[]... attributes) {
    return message(NetlinkAbi.SOCK_DIAG_BY_FAMILY, NetlinkAbi.NLM_F_MULTI, SEQ,
        diagMsg(family, NetlinkAbi.TCP_LISTEN, port, address, rqueue, wqueue, inode, attributes));
  }

  DiagReplies done() {
    return message(NetlinkAbi.NLMSG_DONE, NetlinkAbi.NLM_F_MULTI, SEQ, new byte[4]);
  }

  DiagReplies error(int negativeErrno) {
    ByteBuffer b = ByteBuffer.allocate(4 + 16).order(ByteOrder.nativeOrder());
    b.putInt(negativeErrno);
    return message(NetlinkAbi.NLMSG_ERROR, 0, SEQ, b.array());
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  ByteBuffer buffer() {
    return ByteBuffer.wrap(bytes());
  }

  /** struct inet_diag_msg followed by the given (already encoded) attributes. */
  static byte[] diagMsg(
      int family, int state, int port, byte[] address, int rqueue, int wqueue, long inode, byte[]... attributes) {
    int length = NetlinkAbi.DIAG_MSG_SIZE;
    for (byte[] a : attributes) {
      length += a.length;
    }
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
    b.put((byte) family).put((byte) state).put((byte) 0).put((byte) 0);
    b.put((byte) (port >> 8)).put((byte) port); // big-endian sport
    b.put((byte) 0).put((byte) 0); // dport
    b.put(address); // 4 or 16 bytes of src
    b.position(4 + NetlinkAbi.SOCKID_SIZE);
    b.putInt(0).putInt(rqueue).putInt(wqueue).putInt(0).putInt((int) inode);
    for (byte[] a : attributes) {
      b.put(a);
    }
    return b.array();
  }

  /** An rtattr with padding to 4 bytes. */
  static byte[] attribute(int type, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(NetlinkAbi.align(4 + payload.length)).order(ByteOrder.nativeOrder());
    b.putShort((short) (4 + payload.length)).putShort((short) type).put(payload);
    return b.array();
  }

  /** INET_DIAG_SKMEMINFO with SK_MEMINFO_VARS (9) u32 values, sk_drops at index 8. */
  static byte[] skmeminfo(long drops) {
    ByteBuffer b = ByteBuffer.allocate(9 * 4).order(ByteOrder.nativeOrder());
    for (int i = 0; i < 8; i++) {
      b.putInt(1000 + i);
    }
    b.putInt((int) drops);
    return attribute(NetlinkAbi.INET_DIAG_SKMEMINFO, b.array());
  }
}
