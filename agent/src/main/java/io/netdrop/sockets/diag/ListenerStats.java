package io.netdrop.sockets.diag;

import io.netdrop.sockets.InetText;
import java.util.Arrays;
import java.util.Objects;

/**
 * One TCP listener as sock_diag reports it. The address is 16 bytes in network order (IPv4 in the
 * first 4, the rest zero), as in {@link io.netdrop.sockets.SocketEntry}; the array is copied in
 * and out.
 *
 * @param inode the socket inode, as in {@code /proc/self/fd/N -> socket:[inode]}
 * @param family 2 (AF_INET) or 10 (AF_INET6; dual-stack listeners are IPv6)
 * @param localPort the bound port, 0..65535
 * @param drops the listener's {@code sk_drops}: every SYN it refused because its accept queue was
 *     full (and other drops charged to the listener). An unsigned 32-bit counter that wraps; -1
 *     when the kernel sent no {@code SK_MEMINFO_DROPS}
 * @param acceptQueue connections completed and waiting for {@code accept()}
 * @param backlog the accept queue's limit, the {@code listen()} backlog capped by {@code somaxconn}
 */
public record ListenerStats(
    long inode, int family, byte[] localAddress, int localPort, long drops, int acceptQueue, int backlog) {

  public ListenerStats {
    Objects.requireNonNull(localAddress, "localAddress");
    if (localAddress.length != 16) {
      throw new IllegalArgumentException("localAddress must have 16 bytes, has " + localAddress.length);
    }
    localAddress = localAddress.clone();
  }

  @Override
  public byte[] localAddress() {
    return localAddress.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ListenerStats s
        && inode == s.inode
        && family == s.family
        && localPort == s.localPort
        && drops == s.drops
        && acceptQueue == s.acceptQueue
        && backlog == s.backlog
        && Arrays.equals(localAddress, s.localAddress);
  }

  @Override
  public int hashCode() {
    return Objects.hash(inode, family, localPort, drops, acceptQueue, backlog) * 31
        + Arrays.hashCode(localAddress);
  }

  @Override
  public String toString() {
    return "ListenerStats[inode=" + inode + " " + InetText.endpoint(family, localAddress, localPort)
        + " drops=" + drops + " queue=" + acceptQueue + "/" + backlog + "]";
  }
}
