package io.netdrop.drops;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToLongBiFunction;
import java.util.function.ToLongFunction;

/**
 * Turns the growth of a listener's {@code sk_drops} into the connection attempts it refused because
 * its accept queue was full ({@code LISTEN_OVERFLOW}). The kernel adds to a listener's
 * {@code sk_drops} in two kinds of places: where it refuses a SYN with a full accept queue and
 * consumes it ({@code tcp_listendrop}; kfree_skb never sees these), and where it drops a packet
 * addressed to the listener through kfree_skb after adding it to {@code sk_drops} too — in
 * {@code tcp_v4_rcv}/{@code tcp_v6_rcv} ({@code discard_and_relse}: e.g. a RST that kills a
 * half-open connection, NOT_SPECIFIED; an ACK that finds the queue full, TCP_LISTEN_OVERFLOW) and
 * in {@code tcp_rcv_state_process} ({@code tcp_drop_reason}: a RST to the listener, TCP_RESET).
 * The second kind is already counted, with the kernel's own reason, from kfree_skb; counting it again
 * as LISTEN_OVERFLOW would count one packet twice. So the drops of the listener's socket with
 * {@link #ALSO_IN_SK_DROPS} reasons are subtracted.
 *
 * <p>Measured on 6.18: a SYN flood at a listener whose queue is not full (each SYN-ACK answered by a
 * RST) grew {@code sk_drops} by exactly the listener's NOT_SPECIFIED kfree_skb drops, while TcpExt
 * ListenOverflows stayed 0. TCP_FLAGS is left out: the kernel drops a flagless or SYN+FIN packet to a
 * listener through {@code sk_drops}, but an ACK to it ({@code tcp_v4_do_rcv}) without, and the
 * counts do not say which; those rare packets may then be counted twice.
 *
 * <p>Totals are kept per listener so the answer never goes down: {@code sk_drops} is read before
 * the kfree_skb counts, so one poll may subtract a drop whose {@code sk_drops} share comes in the
 * next. One entry of two longs per listener that ever had drops. Not thread-safe: the overflow
 * watcher's thread only.
 */
public final class ListenOverflowCounts {
  /** Reasons of the drops on a listener that the kernel counts in its {@code sk_drops} as well. */
  public static final List<String> ALSO_IN_SK_DROPS =
      List.of(
          "NOT_SPECIFIED", "TCP_LISTEN_OVERFLOW", "TCP_RESET", "SOCKET_FILTER", "SOCKET_BACKLOG",
          "XFRM_POLICY", "TCP_MINTTL", "TCP_RFC7323_PAWS", "TCP_RFC7323_TSECR", "TCP_OVERWINDOW",
          "TCP_ABORT_ON_DATA", "TCP_MD5NOTFOUND", "TCP_MD5UNEXPECTED", "TCP_MD5FAILURE",
          "TCP_AONOTFOUND", "TCP_AOUNEXPECTED", "TCP_AOKEYNOTFOUND", "TCP_AOFAILURE");

  private final ToLongFunction<Long> alsoReported;
  /** Per listener inode: sk_drops growth seen, and refusals reported, both since netdrop started. */
  private final Map<Long, long[]> totals = new HashMap<>();

  /**
   * @param alsoReported the kfree_skb drops counted so far on the listener with this inode with one
   *     of the {@link #ALSO_IN_SK_DROPS} reasons
   */
  public ListenOverflowCounts(ToLongFunction<Long> alsoReported) {
    this.alsoReported = Objects.requireNonNull(alsoReported, "alsoReported");
  }

  /**
   * The kernel's kfree_skb counts as {@code alsoReported}: the sum over the {@link
   * #ALSO_IN_SK_DROPS} reasons this kernel has, each looked up by {@code count(inode, reason)}.
   */
  public static ToLongFunction<Long> fromKernelCounts(
      io.netdrop.kernel.DropReasons reasons, ToLongBiFunction<Long, Integer> count) {
    int[] values = ALSO_IN_SK_DROPS.stream().map(reasons::value).filter(v -> v.isPresent()).mapToInt(v -> v.getAsInt()).toArray();
    return inode -> {
      long n = 0;
      for (int reason : values) {
        n += count.applyAsLong(inode, reason);
      }
      return n;
    };
  }

  /**
   * The connection attempts the listener refused with a full queue among {@code newDrops}, the
   * growth of its {@code sk_drops} just seen; 0 if they were all drops already reported.
   */
  public long refused(long inode, long newDrops) {
    long[] t = totals.computeIfAbsent(inode, k -> new long[2]);
    t[0] += newDrops;
    long refused = Math.max(t[1], t[0] - alsoReported.applyAsLong(inode));
    long added = refused - t[1];
    t[1] = refused;
    return added;
  }
}
