package io.netdrop.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.io.FileDescriptor;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JDK classes behind every socket API on Java 17 to 25, and where each event is taken. The
 * methods named here are private JDK internals with the same names and signatures on 17 and 25;
 * the tests run on both.
 */
final class JdkSocketHooks {
  static final String NIO_SOCKET_IMPL = "sun.nio.ch.NioSocketImpl";
  static final String SOCKET_CHANNEL_IMPL = "sun.nio.ch.SocketChannelImpl";
  static final String SERVER_SOCKET_CHANNEL_IMPL = "sun.nio.ch.ServerSocketChannelImpl";
  static final String DATAGRAM_CHANNEL_IMPL = "sun.nio.ch.DatagramChannelImpl";
  static final String NET = "sun.nio.ch.Net";

  private JdkSocketHooks() {}

  /** Hooks by binary class name. */
  static Map<String, List<Hook>> all() {
    Map<String, List<Hook>> hooks = new LinkedHashMap<>();
    hooks.put(NIO_SOCKET_IMPL, nioSocketImpl());
    hooks.put(SOCKET_CHANNEL_IMPL, socketChannelImpl());
    hooks.put(SERVER_SOCKET_CHANNEL_IMPL, serverSocketChannelImpl());
    hooks.put(DATAGRAM_CHANNEL_IMPL, datagramChannelImpl());
    hooks.put(NET, net());
    return hooks;
  }

  /** Backs java.net.Socket and ServerSocket (JEP 353). */
  private static List<Hook> nioSocketImpl() {
    return List.of(
        Hook.of("opened", named("create").and(takesArguments(boolean.class)), NioSocketImplAdvice.Create.class),
        Hook.of(
            "connecting/bound",
            named("connect").and(takesArguments(SocketAddress.class, int.class)),
            ChannelAdvice.DatagramConnect.class),
        Hook.of("bound", named("bind").and(takesArguments(InetAddress.class, int.class)), ChannelAdvice.Bound.class),
        Hook.of(
            "accepted",
            named("accept").and(takesArguments(1)).and(takesArgument(0, named("java.net.SocketImpl"))),
            NioSocketImplAdvice.Accept.class),
        Hook.of("used", namedOneOf("beginRead", "beginWrite").and(takesArguments(0)), ChannelAdvice.Used.class),
        Hook.of("closing", named("close").and(takesArguments(0)), NioSocketImplAdvice.Close.class));
  }

  /** SocketChannel, Socket adaptors of it, and Unix-domain SocketChannel. */
  private static List<Hook> socketChannelImpl() {
    return List.of(
        Hook.of("opened", creatingConstructor(2), ChannelAdvice.OpenedStream.class),
        Hook.of(
            "connecting",
            named("beginConnect").and(takesArguments(boolean.class, SocketAddress.class)),
            ChannelAdvice.Connecting.class),
        Hook.of(
            "bound after connect",
            namedOneOf("endConnect", "endFinishConnect").and(takesArguments(boolean.class, boolean.class)),
            ChannelAdvice.Connected.class),
        Hook.of("bound", named("bind").and(takesArguments(SocketAddress.class)).and(not(isBridge())), ChannelAdvice.Bound.class),
        Hook.of("used", namedOneOf("beginRead", "beginWrite").and(takesArguments(boolean.class)), ChannelAdvice.Used.class),
        Hook.of("closing", named("implCloseSelectableChannel").and(takesArguments(0)), ChannelAdvice.Closing.class));
  }

  /** ServerSocketChannel (TCP and Unix-domain) and its ServerSocket adaptor. */
  private static List<Hook> serverSocketChannelImpl() {
    return List.of(
        Hook.of("opened", creatingConstructor(2), ChannelAdvice.OpenedStream.class),
        Hook.of(
            "bound",
            named("bind").and(takesArguments(SocketAddress.class, int.class)).and(not(isBridge())),
            ChannelAdvice.Bound.class),
        Hook.of(
            "accepted",
            named("finishAccept").and(takesArguments(FileDescriptor.class, SocketAddress.class)),
            ChannelAdvice.Accepted.class),
        Hook.of("closing", named("implCloseSelectableChannel").and(takesArguments(0)), ChannelAdvice.Closing.class));
  }

  /** DatagramChannel and, since JDK 17, java.net.DatagramSocket (DatagramSocketAdaptor). */
  private static List<Hook> datagramChannelImpl() {
    return List.of(
        Hook.of("opened", creatingConstructor(3), ChannelAdvice.OpenedDatagram.class),
        // bindInternal, not bind: it is also the implicit bind before the first send/receive/connect.
        Hook.of("bound", named("bindInternal").and(takesArguments(SocketAddress.class)), ChannelAdvice.Bound.class),
        Hook.of(
            "connecting/bound",
            named("connect").and(takesArguments(SocketAddress.class, boolean.class)),
            ChannelAdvice.DatagramConnect.class),
        Hook.of(
            "used",
            namedOneOf("beginRead", "beginWrite").and(takesArguments(boolean.class, boolean.class)),
            ChannelAdvice.Used.class),
        Hook.of("closing", named("implCloseSelectableChannel").and(takesArguments(0)), ChannelAdvice.Closing.class));
  }

  /**
   * Where every JDK socket is created (Socket, ServerSocket and the NIO channels alike): entering
   * one of these arms the kernel-side registration of the socket about to be created.
   */
  private static List<Hook> net() {
    return List.of(
        Hook.of(
            "creating",
            namedOneOf("socket", "serverSocket").and(returns(FileDescriptor.class)),
            CreationAdvice.class));
  }

  /**
   * The constructor {@code (SelectorProvider, ProtocolFamily[, ...])} that creates a new socket;
   * the one-argument constructors delegate to it and those taking a FileDescriptor wrap an
   * existing (accepted or inherited) socket.
   */
  private static net.bytebuddy.matcher.ElementMatcher.Junction<net.bytebuddy.description.method.MethodDescription>
      creatingConstructor(int arguments) {
    return isConstructor()
        .and(takesArguments(arguments))
        .and(takesArgument(0, SelectorProvider.class))
        .and(takesArgument(1, ProtocolFamily.class));
  }
}
