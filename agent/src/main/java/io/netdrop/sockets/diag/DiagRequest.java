package io.netdrop.sockets.diag;

import static io.netdrop.sockets.diag.NetlinkAbi.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Encodes the dump request: every TCP listener of one address family, with its memory counters. */
final class DiagRequest {
  static final int SIZE = NLMSG_HDRLEN + REQ_V2_SIZE;

  private DiagRequest() {}

  /**
   * A {@code SOCK_DIAG_BY_FAMILY} dump request for TCP sockets in state LISTEN with {@code
   * INET_DIAG_SKMEMINFO}, written at the buffer's position 0 in host byte order.
   */
  static ByteBuffer listeners(int family, int seq) {
    if (family != AF_INET && family != AF_INET6) {
      throw new IllegalArgumentException("family must be 2 (AF_INET) or 10 (AF_INET6): " + family);
    }
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
    b.putInt(SIZE);
    b.putShort((short) SOCK_DIAG_BY_FAMILY);
    b.putShort((short) (NLM_F_REQUEST | NLM_F_DUMP));
    b.putInt(seq);
    b.putInt(0); // to the kernel
    b.put((byte) family);
    b.put((byte) IPPROTO_TCP);
    b.put((byte) EXT_SKMEMINFO);
    b.put((byte) 0);
    b.putInt(1 << TCP_LISTEN);
    // inet_diag_sockid stays zero: no filter on addresses, ports or interface.
    return b.rewind();
  }
}
