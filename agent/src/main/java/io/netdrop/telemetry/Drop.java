package io.netdrop.telemetry;

import static io.netdrop.telemetry.TelemetryNames.*;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One reported drop of this JVM's sockets, or a burst of them folded into one: same socket, same
 * reason, same span ({@link DropFolder}). Immutable; what every sink (console line, OpenTelemetry,
 * JFR) consumes.
 *
 * @param reason the kernel's drop reason name ({@code SOCKET_RCVBUFF}, {@code NO_SOCKET}, ...)
 * @param location the kernel function that dropped it ({@code tcp_v4_rcv+0x99}), or null
 * @param count how many drops this stands for (at least 1)
 * @param firstNanos CLOCK_MONOTONIC time of the first drop
 * @param lastNanos CLOCK_MONOTONIC time of the last drop
 * @param firstTime wall-clock time of the first drop
 * @param transport {@code tcp} or {@code udp}, or null for another protocol
 * @param networkType {@code ipv4} or {@code ipv6}, or null if the headers were not read
 * @param localAddress this JVM's side of the packet, or null
 * @param localPort this JVM's port, or 0
 * @param peerAddress the other side of the packet, or null
 * @param peerPort the other side's port, or 0
 * @param direction {@code receive} or {@code transmit} (seen from this JVM), or null if unknown
 * @param role the connection's role ({@code client}, {@code server}, {@code listener}, {@code udp}, ...), or null if netdrop does not know the socket
 * @param creator the application class that opened the socket, or null
 * @param socketInode the socket the drop was matched to
 * @param length bytes of the first dropped packet
 * @param span the trace span that used the connection last at or before the first drop (an opaque handle of the telemetry that noted it), or null
 * @param spanLastUseNanos CLOCK_MONOTONIC time of that span's last use of the connection (meaningful with a span)
 * @param line the readable line for the console
 */
public record Drop(
    String reason,
    String location,
    long count,
    long firstNanos,
    long lastNanos,
    Instant firstTime,
    String transport,
    String networkType,
    String localAddress,
    int localPort,
    String peerAddress,
    int peerPort,
    String direction,
    String role,
    String creator,
    long socketInode,
    int length,
    Object span,
    long spanLastUseNanos,
    String line) {

  /**
   * A burst of {@code n} more drops like this one, from {@code fromNanos} to {@code toNanos}
   * (CLOCK_MONOTONIC), with its own line.
   */
  public Drop burst(long n, long fromNanos, long toNanos, String newLine) {
    return new Drop(
        reason, location, n, fromNanos, toNanos, firstTime.plusNanos(fromNanos - firstNanos),
        transport, networkType, localAddress, localPort, peerAddress, peerPort, direction, role,
        creator, socketInode, length, span, spanLastUseNanos, newLine);
  }

  /** Wall-clock time of the last drop. */
  public Instant lastTime() {
    return firstTime.plusNanos(lastNanos - firstNanos);
  }

  /**
   * The attributes of this drop, keys from {@link TelemetryNames#DROP_ATTRIBUTES} in that order,
   * values {@code String} or {@code Long}; absent values and the {@code redacted} keys are left
   * out.
   */
  public Map<String, Object> attributes(Set<String> redacted) {
    Map<String, Object> a = new LinkedHashMap<>();
    put(a, REASON, reason);
    put(a, LOCATION, location);
    a.put(COUNT, count);
    a.put(INTERVAL, lastNanos - firstNanos);
    a.put(LENGTH, (long) length);
    put(a, ERROR_TYPE, reason);
    put(a, TRANSPORT, transport);
    put(a, NETWORK_TYPE, networkType);
    put(a, LOCAL_ADDRESS, localAddress);
    port(a, LOCAL_PORT, localPort);
    put(a, PEER_ADDRESS, peerAddress);
    port(a, PEER_PORT, peerPort);
    put(a, DIRECTION, direction);
    if ("client".equals(role)) {
      put(a, SERVER_ADDRESS, peerAddress);
      port(a, SERVER_PORT, peerPort);
    } else if ("server".equals(role) || "listener".equals(role)) {
      put(a, SERVER_ADDRESS, localAddress);
      port(a, SERVER_PORT, localPort);
    }
    put(a, ROLE, role);
    put(a, CREATOR, creator);
    a.put(SOCKET_INODE, socketInode);
    a.keySet().removeAll(redacted);
    return a;
  }

  private static void put(Map<String, Object> a, String key, String value) {
    if (value != null) {
      a.put(key, value);
    }
  }

  private static void port(Map<String, Object> a, String key, int port) {
    if (port > 0) {
      a.put(key, (long) port);
    }
  }
}
