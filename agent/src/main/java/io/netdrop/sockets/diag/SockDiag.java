package io.netdrop.sockets.diag;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks the kernel, over a {@code NETLINK_SOCK_DIAG} socket, for the TCP listeners of this
 * process's network namespace and their counters. This is how {@code ss -tlnm} reads them; unlike
 * {@code /proc/net/tcp} it includes {@code sk_drops}, the only per-listener count of connection
 * attempts refused because the accept queue was full (those SYNs never reach {@code kfree_skb}).
 *
 * <p>Needs no privilege. Thread-safe: queries are serialised. The namespace is the one this
 * process was in when {@link #open()} ran.
 */
public final class SockDiag implements AutoCloseable {
  /** How long one query waits for the kernel's answer before failing, in milliseconds: 2000. */
  public static final int DEFAULT_TIMEOUT_MILLIS = 2000;

  private static final int[] FAMILIES = {NetlinkAbi.AF_INET, NetlinkAbi.AF_INET6};

  private final NetlinkSocket socket;
  private int seq;

  private SockDiag(NetlinkSocket socket) {
    this.socket = socket;
  }

  /**
   * Opens the netlink socket.
   *
   * @throws SockDiagException if the socket cannot be opened (e.g. a kernel without sock_diag, or
   *     JNA unavailable)
   */
  public static SockDiag open() {
    try {
      return new SockDiag(NetlinkSocket.open(DEFAULT_TIMEOUT_MILLIS));
    } catch (LinkageError e) {
      throw new SockDiagException("cannot call libc through JNA for sock_diag: " + e, e);
    }
  }

  /**
   * Every TCP listener (IPv4 and IPv6) in this process's network namespace: inode, local
   * address/port, sk_drops, accept-queue length and backlog. Listeners of other processes are
   * included; filter by inode for this JVM's own.
   *
   * @throws SockDiagException if the kernel refuses the query, does not answer within {@link
   *     #DEFAULT_TIMEOUT_MILLIS}, or sends a malformed reply; or if this is closed
   */
  public synchronized List<ListenerStats> listeners() {
    List<ListenerStats> all = new ArrayList<>();
    for (int family : FAMILIES) {
      dump(family, all);
    }
    return all;
  }

  private void dump(int family, List<ListenerStats> out) {
    int requestSeq = ++seq;
    socket.send(DiagRequest.listeners(family, requestSeq));
    boolean done = false;
    while (!done) {
      ByteBuffer datagram = socket.receive();
      done = DiagReplyParser.parse(datagram, requestSeq, family, out);
    }
  }

  /** Closes the netlink socket; a query running in another thread finishes first. Idempotent. */
  @Override
  public synchronized void close() {
    socket.close();
  }
}
