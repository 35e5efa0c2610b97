package io.netdrop.sockets.diag;

/**
 * The constants and struct layouts of netlink and sock_diag that this package uses, from the
 * kernel's {@code include/uapi/linux/{netlink,sock_diag,inet_diag}.h}. Netlink headers and
 * counters are in host byte order; ports and addresses in {@code inet_diag_sockid} are big-endian.
 */
final class NetlinkAbi {
  static final int AF_NETLINK = 16;
  static final int SOCK_RAW = 3;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int NETLINK_SOCK_DIAG = 4;
  static final int SOL_SOCKET = 1;
  static final int SO_RCVTIMEO = 20;
  static final int MSG_TRUNC = 0x20;
  /** {@code struct sockaddr_nl}: u16 family, u16 pad, u32 pid, u32 groups. */
  static final int SOCKADDR_NL_SIZE = 12;
  static final int SOCKADDR_NL_PID = 4;

  /** {@code struct nlmsghdr}: u32 len, u16 type, u16 flags, u32 seq, u32 pid. */
  static final int NLMSG_HDRLEN = 16;
  static final int NLMSG_ALIGNTO = 4;
  static final int NLMSG_NOOP = 1;
  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int NLMSG_OVERRUN = 4;
  static final int NLM_F_REQUEST = 0x1;
  static final int NLM_F_MULTI = 0x2;
  static final int NLM_F_DUMP = 0x300;
  static final int SOCK_DIAG_BY_FAMILY = 20;

  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int IPPROTO_TCP = 6;
  static final int TCP_LISTEN = 10;

  /** {@code struct inet_diag_sockid}: be16 sport, be16 dport, be32 src[4], be32 dst[4], u32 if, u32 cookie[2]. */
  static final int SOCKID_SIZE = 48;
  static final int SOCKID_SPORT = 0;
  static final int SOCKID_SRC = 4;

  /** {@code struct inet_diag_req_v2}: u8 family, u8 protocol, u8 ext, u8 pad, u32 states, sockid. */
  static final int REQ_V2_SIZE = 8 + SOCKID_SIZE;

  /**
   * {@code struct inet_diag_msg}: u8 family, state, timer, retrans; sockid; u32 expires, rqueue,
   * wqueue, uid, inode.
   */
  static final int DIAG_MSG_SIZE = 4 + SOCKID_SIZE + 20;
  static final int DIAG_MSG_FAMILY = 0;
  static final int DIAG_MSG_STATE = 1;
  static final int DIAG_MSG_ID = 4;
  static final int DIAG_MSG_RQUEUE = 4 + SOCKID_SIZE + 4;
  static final int DIAG_MSG_WQUEUE = 4 + SOCKID_SIZE + 8;
  static final int DIAG_MSG_INODE = 4 + SOCKID_SIZE + 16;

  /** {@code struct rtattr}: u16 len, u16 type, then the payload; attributes are 4-byte aligned. */
  static final int RTA_HDRLEN = 4;
  static final int INET_DIAG_SKMEMINFO = 7;
  /** The request's {@code idiag_ext} bit asking for {@code INET_DIAG_SKMEMINFO}: 1 << (7 - 1). */
  static final int EXT_SKMEMINFO = 1 << (INET_DIAG_SKMEMINFO - 1);
  /** Index of {@code sk_drops} in the u32 array of {@code INET_DIAG_SKMEMINFO}. */
  static final int SK_MEMINFO_DROPS = 8;

  private NetlinkAbi() {}

  static int align(int length) {
    return (length + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
  }
}
