package io.netdrop.sockets.diag;

import io.netdrop.sockets.InetText;
import java.util.Arrays;
import java.util.Objects;

/**
 * Connection attempts a listener of ours refused since the previous poll because its accept queue
 * was full, as the kernel counted them ({@code sk_drops}). The address is 16 bytes in network order
 * (IPv4 in the first 4); the array is copied in and out.
 *
 * @param inode the listener's socket inode
 * @param family 2 (AF_INET) or 10 (AF_INET6)
 * @param newDrops drops since the previous poll, always positive
 * @param totalDrops the listener's counter now (unsigned 32-bit, wraps)
 */
public record Overflow(
    long inode, int family, byte[] localAddress, int localPort, long newDrops, long totalDrops) {

  public Overflow {
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
    return o instanceof Overflow s
        && inode == s.inode
        && family == s.family
        && localPort == s.localPort
        && newDrops == s.newDrops
        && totalDrops == s.totalDrops
        && Arrays.equals(localAddress, s.localAddress);
  }

  @Override
  public int hashCode() {
    return Objects.hash(inode, family, localPort, newDrops, totalDrops) * 31 + Arrays.hashCode(localAddress);
  }

  @Override
  public String toString() {
    return "Overflow[inode=" + inode + " " + InetText.endpoint(family, localAddress, localPort)
        + " new=" + newDrops + " total=" + totalDrops + "]";
  }
}
