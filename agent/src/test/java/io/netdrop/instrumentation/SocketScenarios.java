package io.netdrop.instrumentation;

import io.netdrop.instrumentation.RecordingEvents.Event;
import io.netdrop.sockets.ProcSockets;
import io.netdrop.sockets.SocketEntry;
import java.io.FileDescriptor;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Socket scenarios on loopback with the exact bridge calls each must produce, shared by the unit
 * tests (in the test JVM) and {@link InstrumentationMain} (in forked Java 17 and 25 JVMs). Each
 * throws {@link AssertionError} naming the difference.
 */
final class SocketScenarios {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private SocketScenarios() {}

  /** Every JDK scenario by name, for the forked main. */
  static final List<String> JDK =
      List.of(
          "socketConnectToClosedPort",
          "socketAndServerSocket",
          "socketChannels",
          "nonBlockingSocketChannelConnect",
          "datagramChannels",
          "datagramSocket",
          "unixDomainSocketChannels");

  static void run(String name, RecordingEvents recorder) throws Exception {
    Method m = SocketScenarios.class.getDeclaredMethod(name, RecordingEvents.class);
    try {
      m.invoke(null, recorder);
    } catch (java.lang.reflect.InvocationTargetException e) {
      if (e.getCause() instanceof Exception) {
        throw (Exception) e.getCause();
      }
      throw (Error) e.getCause();
    }
  }

  static void socketConnectToClosedPort(RecordingEvents recorder) throws Exception {
    int port = closedPort();
    recorder.start();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port));
      throw new AssertionError("connect to closed port " + port + " succeeded");
    } catch (ConnectException expected) {
      // the NO_SOCKET drop netdrop reports
    }
    List<Event> events = recorder.stop();
    expect(List.of("opened TCP a", "connecting a to :" + port, "closing a"), events);
    check(events.get(0).inode() > 0, "opened carries an open socket descriptor: " + events.get(0));
  }

  static void socketAndServerSocket(RecordingEvents recorder) throws Exception {
    recorder.start();
    int port;
    int clientPort;
    List<SocketEntry> table;
    FileDescriptor clientFd;
    try (ServerSocket listener = new ServerSocket(0, 50, LOOPBACK)) {
      port = listener.getLocalPort();
      try (Socket client = new Socket(LOOPBACK, port);
          Socket server = listener.accept()) {
        clientPort = client.getLocalPort();
        client.getOutputStream().write(42);
        InputStream in = server.getInputStream();
        check(in.read() == 42, "server read the byte");
        table = ProcSockets.inetSockets();
        clientFd = fdOfSocket(client);
      }
    }
    List<Event> events = recorder.stop();
    expect(
        List.of(
            "opened TCP a", "bound a",
            "opened TCP b", "connecting b to :" + port, "bound b",
            "accepted c on a",
            "used b", "used c",
            "closing c", "closing b", "closing a"),
        events);
    check(events.get(2).fd() == clientFd, "client event carries the Socket's FileDescriptor");
    long listenerInode = inodeOf(table, port, 10);
    long clientInode = inodeOf(table, clientPort, 1);
    check(events.get(0).inode() == listenerInode, "listener inode " + events.get(0).inode() + " == " + listenerInode);
    check(events.get(2).inode() == clientInode, "client inode " + events.get(2).inode() + " == " + clientInode);
    Event accepted = events.get(5);
    check(accepted.acceptedInode() > 0 && accepted.acceptedInode() != listenerInode
            && accepted.acceptedInode() == serverSideInode(table, port, clientPort),
        "accepted inode is the server side of the connection: " + accepted);
  }

  static void socketChannels(RecordingEvents recorder) throws Exception {
    recorder.start();
    int port;
    Object listenerFd;
    Object clientFd;
    Object serverFd;
    try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
      port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      try (SocketChannel client = SocketChannel.open(new InetSocketAddress(LOOPBACK, port));
          SocketChannel server = listener.accept()) {
        client.write(ByteBuffer.wrap(new byte[] {1}));
        check(server.read(ByteBuffer.allocate(4)) == 1, "server read one byte");
        listenerFd = channelFd(listener);
        clientFd = channelFd(client);
        serverFd = channelFd(server);
      }
    }
    List<Event> events = recorder.stop();
    expect(
        List.of(
            "opened TCP a", "bound a",
            "opened TCP b", "connecting b to :" + port, "bound b",
            "accepted c on a",
            "used b", "used c",
            "closing c", "closing b", "closing a"),
        events);
    check(events.get(0).fd() == listenerFd, "listener event carries the channel's FileDescriptor");
    check(events.get(2).fd() == clientFd, "client event carries the channel's FileDescriptor");
    check(events.get(5).accepted() == serverFd, "accepted event carries the accepted channel's FileDescriptor");
    check(events.get(5).acceptedInode() > 0, "accepted descriptor was an open socket");
  }

  static void nonBlockingSocketChannelConnect(RecordingEvents recorder) throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      recorder.start();
      try (SocketChannel client = SocketChannel.open()) {
        client.configureBlocking(false);
        boolean connected = client.connect(new InetSocketAddress(LOOPBACK, port));
        while (!connected) {
          connected = client.finishConnect();
        }
        check(client.finishConnect(), "finishConnect stays true");
      }
      expect(List.of("opened TCP a", "connecting a to :" + port, "bound a", "closing a"), recorder.stop());
    }
  }

  static void datagramChannels(RecordingEvents recorder) throws Exception {
    recorder.start();
    Object receiverFd;
    try (DatagramChannel receiver = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        DatagramChannel sender = DatagramChannel.open()) {
      receiverFd = channelFd(receiver);
      sender.send(ByteBuffer.wrap(new byte[] {7}), receiver.getLocalAddress());
      check(receiver.receive(ByteBuffer.allocate(8)) != null, "receiver got the datagram");
    }
    List<Event> events = recorder.stop();
    expect(
        List.of(
            "opened UDP a", "bound a",
            "opened UDP b", "used b", "bound b",
            "used a",
            "closing b", "closing a"),
        events);
    check(events.get(0).fd() == receiverFd, "receiver event carries the channel's FileDescriptor");
  }

  static void datagramSocket(RecordingEvents recorder) throws Exception {
    recorder.start();
    int senderPort;
    List<SocketEntry> table;
    try (DatagramSocket receiver = new DatagramSocket(0, LOOPBACK);
        DatagramSocket sender = new DatagramSocket(null)) {
      sender.send(new DatagramPacket(new byte[] {7}, 1, receiver.getLocalSocketAddress()));
      DatagramPacket p = new DatagramPacket(new byte[8], 8);
      receiver.receive(p);
      senderPort = sender.getLocalPort();
      check(p.getPort() == senderPort, "datagram came from the sender's implicit port");
      table = ProcSockets.inetSockets();
    }
    List<Event> events = recorder.stop();
    expect(
        List.of(
            "opened UDP a", "bound a",
            "opened UDP b", "used b", "bound b",
            "used a",
            "closing b", "closing a"),
        events);
    long senderInode = inodeOf(table, senderPort, 7);
    check(events.get(2).inode() == senderInode, "sender inode " + events.get(2).inode() + " == " + senderInode);
  }

  static void unixDomainSocketChannels(RecordingEvents recorder) throws Exception {
    Path dir = Files.createTempDirectory("netdrop-uds");
    UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("s"));
    recorder.start();
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(path);
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      client.connect(path);
      try (SocketChannel server = listener.accept()) {
        client.write(ByteBuffer.wrap(new byte[] {1}));
        check(server.read(ByteBuffer.allocate(4)) == 1, "server read one byte");
      }
    } finally {
      Files.deleteIfExists(path.getPath());
      Files.deleteIfExists(dir);
    }
    List<Event> events = recorder.stop();
    expect(
        List.of(
            "opened UNIX a", "bound a",
            "opened UNIX b", "connecting b to UnixDomainSocketAddress", "bound b",
            "accepted c on a",
            "used b", "used c",
            "closing c", "closing b", "closing a"),
        events);
    for (Event e : events) {
      check(e.type().equals("closing") || e.inode() > 0, "descriptor was an open socket: " + e);
    }
  }

  // helpers

  static void expect(List<String> expected, List<Event> events) {
    List<String> actual = RecordingEvents.describe(events, e -> true);
    if (!expected.equals(actual)) {
      throw new AssertionError("events differ\nexpected: " + expected + "\nactual:   " + actual);
    }
  }

  static void check(boolean condition, String what) {
    if (!condition) {
      throw new AssertionError(what);
    }
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }

  /** The FileDescriptor of a java.net.Socket: the fd field of its platform SocketImpl. */
  static FileDescriptor fdOfSocket(Socket socket) throws ReflectiveOperationException {
    Field implField = Socket.class.getDeclaredField("impl");
    implField.setAccessible(true);
    Object impl = implField.get(socket);
    // Socket wraps the platform NioSocketImpl in a SocksSocketImpl (a DelegatingSocketImpl).
    for (Class<?> c = impl.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("java.net.DelegatingSocketImpl")) {
        Field delegate = c.getDeclaredField("delegate");
        delegate.setAccessible(true);
        impl = delegate.get(impl);
        break;
      }
    }
    Field fd = java.net.SocketImpl.class.getDeclaredField("fd");
    fd.setAccessible(true);
    return (FileDescriptor) fd.get(impl);
  }

  /** The FileDescriptor of a sun.nio.ch channel (its final fd field). */
  static Object channelFd(Object channel) throws ReflectiveOperationException {
    Field fd = channel.getClass().getDeclaredField("fd");
    fd.setAccessible(true);
    return fd.get(channel);
  }

  private static long inodeOf(List<SocketEntry> table, int localPort, int state) {
    return table.stream()
        .filter(e -> e.localPort() == localPort && e.state() == state)
        .mapToLong(SocketEntry::inode)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no socket on local port " + localPort + " in state " + state + ": " + table));
  }

  private static long serverSideInode(List<SocketEntry> table, int port, int clientPort) {
    return table.stream()
        .filter(e -> e.localPort() == port && e.remotePort() == clientPort)
        .mapToLong(SocketEntry::inode)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no accepted socket " + port + "<-" + clientPort + ": " + table));
  }
}
