package io.netdrop.sockets;

import java.nio.ByteBuffer;

/**
 * The local and (when connected) remote address of a socket, immutable. Addresses are 16 bytes
 * in network order with IPv4 in the first 4; an IPv6 socket talking IPv4 through v4-mapped
 * addresses is stored as IPv4, the way the kernel's packets show it. A local port of 0 with a
 * remote endpoint means the local side is not known yet (connect() still running or failed).
 */
public final class Endpoints {
  private final int family;
  private final long localHigh;
  private final long localLow;
  private final int localPort;
  private final long remoteHigh;
  private final long remoteLow;
  private final int remotePort;

  private Endpoints(int family, byte[] local, int localPort, byte[] remote, int remotePort) {
    ByteBuffer l = ByteBuffer.wrap(local);
    ByteBuffer r = ByteBuffer.wrap(remote);
    this.family = family;
    this.localHigh = l.getLong(0);
    this.localLow = l.getLong(8);
    this.localPort = localPort;
    this.remoteHigh = r.getLong(0);
    this.remoteLow = r.getLong(8);
    this.remotePort = remotePort;
  }

  private Endpoints(
      int family, long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort) {
    this.family = family;
    this.localHigh = localHigh;
    this.localLow = localLow;
    this.localPort = localPort;
    this.remoteHigh = remoteHigh;
    this.remoteLow = remoteLow;
    this.remotePort = remotePort;
  }

  /**
   * IPv4 endpoints from addresses as big-endian halves of their 16 bytes (the address in the
   * high 4 bytes of {@code localHigh}, {@code remoteHigh}), without the copies {@link #of} makes:
   * for the kernel's hand-back of an accepted or connected socket. Ports are 16-bit.
   */
  static Endpoints ipv4(long localHigh, int localPort, long remoteHigh, int remotePort) {
    return new Endpoints(
        InetText.AF_INET, localHigh & 0xffffffff00000000L, 0, localPort & 0xffff,
        remoteHigh & 0xffffffff00000000L, 0, remotePort & 0xffff);
  }

  /**
   * Endpoints from 16-byte addresses; {@code remotePort} 0 means not connected.
   *
   * @throws IllegalArgumentException if the family is not AF_INET/AF_INET6, an address is not 16
   *     bytes or a port is outside 0..65535
   */
  public static Endpoints of(int family, byte[] local16, int localPort, byte[] remote16, int remotePort) {
    if (family != InetText.AF_INET && family != InetText.AF_INET6) {
      throw new IllegalArgumentException("family must be 2 (AF_INET) or 10 (AF_INET6): " + family);
    }
    if (local16 == null || local16.length != 16 || remote16 == null || remote16.length != 16) {
      throw new IllegalArgumentException("addresses must have 16 bytes");
    }
    if (localPort < 0 || localPort > 0xffff || remotePort < 0 || remotePort > 0xffff) {
      throw new IllegalArgumentException("port out of range: " + localPort + ", " + remotePort);
    }
    boolean remoteMappedOrNone = remotePort == 0 || InetText.isV4Mapped(remote16);
    boolean localMappedOrUnknown = InetText.isV4Mapped(local16) || isZero(local16) && remotePort != 0;
    if (family == InetText.AF_INET6
        && remoteMappedOrNone
        && localMappedOrUnknown) {
      return new Endpoints(InetText.AF_INET, v4(local16), localPort, v4(remote16), remotePort);
    }
    return new Endpoints(family, local16, localPort, remote16, remotePort);
  }

  private static byte[] v4(byte[] mapped) {
    byte[] a = new byte[16];
    if (InetText.isV4Mapped(mapped)) {
      System.arraycopy(mapped, 12, a, 0, 4);
    }
    return a;
  }

  private static boolean isZero(byte[] a) {
    for (byte x : a) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /** 2 (AF_INET) or 10 (AF_INET6). */
  public int family() {
    return family;
  }

  /** A copy of the local address. */
  public byte[] localAddress() {
    return ByteBuffer.allocate(16).putLong(localHigh).putLong(localLow).array();
  }

  public int localPort() {
    return localPort;
  }

  /** A copy of the remote address (zero when not connected). */
  public byte[] remoteAddress() {
    return ByteBuffer.allocate(16).putLong(remoteHigh).putLong(remoteLow).array();
  }

  /** The remote port; 0 when not connected. */
  public int remotePort() {
    return remotePort;
  }

  /** Whether a remote endpoint is known. */
  public boolean connected() {
    return remotePort != 0;
  }

  /** The same socket with its remote endpoint set (or replaced). */
  Endpoints withRemote(int remoteFamily, byte[] remote16, int port) {
    byte[] local = family == remoteFamily || localPort == 0 ? localAddress() : new byte[16];
    return of(remoteFamily, local, family == remoteFamily ? localPort : 0, remote16, port);
  }

  /** As a /proc-style entry for {@link SocketMaps}. */
  SocketEntry toEntry(long inode, int protocol) {
    return new SocketEntry(
        inode, protocol, family, localAddress(), localPort, remoteAddress(), remotePort, 0);
  }

  /** {@code 127.0.0.1:51234->127.0.0.1:8443}, {@code [::1]:8080}, or {@code ?->10.0.0.1:443}. */
  @Override
  public String toString() {
    String local =
        localPort == 0 && connected() ? "?" : InetText.endpoint(family, localAddress(), localPort);
    return connected() ? local + "->" + InetText.endpoint(family, remoteAddress(), remotePort) : local;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Endpoints e
        && family == e.family
        && localHigh == e.localHigh
        && localLow == e.localLow
        && localPort == e.localPort
        && remoteHigh == e.remoteHigh
        && remoteLow == e.remoteLow
        && remotePort == e.remotePort;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(family, localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort);
  }
}
