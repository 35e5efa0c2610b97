package io.netdrop.telemetry.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Timestamp;

/**
 * One reported drop, or one folded burst of drops, as a JFR event.
 *
 * <p>JFR stamps an event with its own clock when it is committed, and offers no way to give it
 * another time: the event's start time is therefore when netdrop reported the drop — a few
 * milliseconds after a single drop, and up to the fold window after the first drop of a burst.
 * The drops' own times are in {@link #firstDrop} and {@link #lastDrop} (milliseconds, JFR's only
 * wall-clock timestamp unit) and, to the nanosecond, {@link #interval}. The event's thread is
 * netdrop's reader thread, not the application's; {@link #creator} names the application class
 * that opened the socket.
 */
@Name(DropEvent.NAME)
@Label("Packet Drop")
@Category({"Operating System", "Network"})
@Description(
    "Packets of this JVM's sockets that the Linux kernel dropped (skb:kfree_skb), with the"
        + " kernel's reason and the connection they hurt; a burst on one connection and reason"
        + " is one event with a count")
@StackTrace(false)
final class DropEvent extends jdk.jfr.Event {
  /** The event's name in recordings. */
  static final String NAME = "io.netdrop.Drop";

  @Label("Reason")
  @Description("The kernel's drop reason (enum skb_drop_reason), e.g. SOCKET_RCVBUFF, NO_SOCKET")
  String reason;

  @Label("Kernel Location")
  @Description("The kernel function that freed the packet, e.g. tcp_v4_rcv+0x99")
  String location;

  @Label("Count")
  @Description("Drops this event stands for: 1, or the size of a folded burst")
  long count;

  @Label("First Drop")
  @Description("When the kernel dropped the (first) packet")
  @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
  long firstDrop;

  @Label("Last Drop")
  @Description("When the kernel dropped the last packet of a burst (the first drop's time for one drop)")
  @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
  long lastDrop;

  @Label("Burst Duration")
  @Description("Time from the first to the last drop, to the nanosecond (0 for one drop)")
  @Timespan(Timespan.NANOSECONDS)
  long interval;

  @Label("Transport")
  @Description("tcp or udp")
  String transport;

  @Label("Network Type")
  @Description("ipv4 or ipv6")
  String networkType;

  @Label("Local Address")
  @Description("This JVM's side of the packet")
  String localAddress;

  @Label("Local Port")
  @Description("This JVM's port (0 if unknown)")
  int localPort;

  @Label("Peer Address")
  @Description("The other side of the packet")
  String peerAddress;

  @Label("Peer Port")
  @Description("The other side's port (0 if unknown)")
  int peerPort;

  @Label("Direction")
  @Description("receive or transmit, seen from this JVM")
  String direction;

  @Label("Connection Role")
  @Description("client, server, listener, udp, unix or tcp")
  String role;

  @Label("Creator")
  @Description("The application class that opened the socket")
  String creator;

  @Label("Socket Inode")
  @Description("The inode of the socket the drop was matched to")
  long socketInode;

  @Label("Packet Length")
  @Description("Bytes of the (first) dropped packet, skb->len")
  @DataAmount(DataAmount.BYTES)
  int length;
}
