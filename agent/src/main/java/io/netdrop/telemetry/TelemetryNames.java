package io.netdrop.telemetry;

import java.util.List;

/**
 * Every name netdrop's telemetry uses: the instrumentation scope, the span event, child span and
 * log record name, the attribute keys and the metrics with their units. OpenTelemetry semantic
 * convention names where one exists, {@code linux.skb.*} for what the kernel says about the
 * packet, {@code netdrop.*} for what netdrop knows of the connection. docs/telemetry.md lists each
 * one, and a test holds that list against this class.
 */
public final class TelemetryNames {
  /** Instrumentation scope of spans, logs and metrics. */
  public static final String SCOPE = "io.netdrop";

  /** Name of the span event, of the child span and of the log record (event name) of a drop. */
  public static final String DROP = "linux.skb.drop";

  // ---- attributes: the kernel's word on the packet ----
  /** The kernel's {@code enum skb_drop_reason} name, from the running kernel's BTF. */
  public static final String REASON = "linux.skb.drop.reason";
  /** The kernel function (and offset) that freed the packet, from /proc/kallsyms. */
  public static final String LOCATION = "linux.skb.drop.location";
  /** Drops this event stands for (a folded burst on one connection, reason and span). */
  public static final String COUNT = "linux.skb.drop.count";
  /** Nanoseconds from the first to the last drop of a folded burst (0 for one drop). */
  public static final String INTERVAL = "linux.skb.drop.interval_ns";
  /** Bytes of the (first) dropped packet, {@code skb->len}. */
  public static final String LENGTH = "linux.skb.len";

  // ---- attributes: semantic conventions ----
  public static final String ERROR_TYPE = "error.type";
  public static final String TRANSPORT = "network.transport";
  public static final String NETWORK_TYPE = "network.type";
  public static final String LOCAL_ADDRESS = "network.local.address";
  public static final String LOCAL_PORT = "network.local.port";
  public static final String PEER_ADDRESS = "network.peer.address";
  public static final String PEER_PORT = "network.peer.port";
  public static final String DIRECTION = "network.io.direction";
  public static final String SERVER_ADDRESS = "server.address";
  public static final String SERVER_PORT = "server.port";

  // ---- attributes: netdrop's knowledge of the connection ----
  /** client, server, listener, udp, unix or tcp (neither connected nor listening). */
  public static final String ROLE = "netdrop.connection.role";
  /** The application class that opened the socket. */
  public static final String CREATOR = "netdrop.connection.creator";
  /** The inode of the socket the drop was matched to. */
  public static final String SOCKET_INODE = "netdrop.socket.inode";

  // ---- metrics ----
  /** Packets of this JVM's sockets the kernel dropped, counted exactly in the kernel. */
  public static final String METRIC_DROPPED = "netdrop.packet.dropped";
  public static final String UNIT_PACKET = "{packet}";
  /** Drop events the kernel program's rate limit held back (still counted in the metric above). */
  public static final String METRIC_HELD_BACK = "netdrop.event.held_back";
  /** Drop events lost to a full ring buffer (still counted in the metric above). */
  public static final String METRIC_LOST = "netdrop.event.lost";
  public static final String UNIT_EVENT = "{event}";
  /** Sockets of this JVM netdrop tracks. */
  public static final String METRIC_SOCKETS = "netdrop.socket.tracked";
  public static final String UNIT_SOCKET = "{socket}";
  /** Entries in each of netdrop's BPF hash maps, by {@link #MAP_NAME}. */
  public static final String METRIC_MAP_ENTRIES = "netdrop.map.entries";
  public static final String UNIT_ENTRY = "{entry}";
  /** Attribute of {@link #METRIC_MAP_ENTRIES}: the BPF map's name. */
  public static final String MAP_NAME = "netdrop.map.name";
  /** BPF programs netdrop has loaded and attached. */
  public static final String METRIC_PROGRAMS = "netdrop.program.loaded";
  public static final String UNIT_PROGRAM = "{program}";

  /** Every attribute key a drop can carry, in the order they are written. */
  public static final List<String> DROP_ATTRIBUTES =
      List.of(
          REASON, LOCATION, COUNT, INTERVAL, LENGTH, ERROR_TYPE, TRANSPORT, NETWORK_TYPE,
          LOCAL_ADDRESS, LOCAL_PORT, PEER_ADDRESS, PEER_PORT, DIRECTION, SERVER_ADDRESS,
          SERVER_PORT, ROLE, CREATOR, SOCKET_INODE);

  /** The attributes of {@link #METRIC_DROPPED}: bounded, never a peer address. */
  public static final List<String> METRIC_ATTRIBUTES =
      List.of(REASON, TRANSPORT, NETWORK_TYPE, LOCAL_PORT);

  private TelemetryNames() {}
}
