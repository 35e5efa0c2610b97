package io.netdrop.sockets;

import java.util.Arrays;
import java.util.Objects;

/**
 * One IPv4/IPv6 TCP or UDP socket of a {@code /proc/net/{tcp,udp}[6]} table. Addresses are 16
 * bytes in network order (IPv4 in the first 4, the rest zero); an IPv4-mapped IPv6 socket keeps
 * family 10 and its {@code ::ffff:a.b.c.d} address. The arrays are copied in and out.
 *
 * @param inode the socket inode, as in {@code /proc/self/fd/N -> socket:[inode]}; 0 for sockets
 *     without a file (e.g. TIME_WAIT)
 * @param protocol 6 (TCP) or 17 (UDP)
 * @param family 2 (AF_INET) or 10 (AF_INET6)
 * @param state the TCP state number of the table ({@code 10} LISTEN, {@code 1} ESTABLISHED); UDP
 *     sockets report 7 (CLOSE) when unconnected and 1 when connected
 */
public record SocketEntry(
    long inode,
    int protocol,
    int family,
    byte[] localAddress,
    int localPort,
    byte[] remoteAddress,
    int remotePort,
    int state) {

  public SocketEntry {
    localAddress = copy16(localAddress, "localAddress");
    remoteAddress = copy16(remoteAddress, "remoteAddress");
  }

  @Override
  public byte[] localAddress() {
    return localAddress.clone();
  }

  @Override
  public byte[] remoteAddress() {
    return remoteAddress.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SocketEntry s
        && inode == s.inode
        && protocol == s.protocol
        && family == s.family
        && localPort == s.localPort
        && remotePort == s.remotePort
        && state == s.state
        && Arrays.equals(localAddress, s.localAddress)
        && Arrays.equals(remoteAddress, s.remoteAddress);
  }

  @Override
  public int hashCode() {
    return Objects.hash(inode, protocol, family, localPort, remotePort, state)
        + 31 * Arrays.hashCode(localAddress)
        + Arrays.hashCode(remoteAddress);
  }

  @Override
  public String toString() {
    return "SocketEntry[inode=" + inode + " " + (protocol == 6 ? "tcp" : protocol == 17 ? "udp" : "proto " + protocol)
        + " " + InetText.endpoint(family, localAddress, localPort)
        + " > " + InetText.endpoint(family, remoteAddress, remotePort)
        + " state=" + state + "]";
  }

  private static byte[] copy16(byte[] address, String what) {
    Objects.requireNonNull(address, what);
    if (address.length != 16) {
      throw new IllegalArgumentException(what + " must have 16 bytes, has " + address.length);
    }
    return address.clone();
  }
}
