package io.netdrop.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Netty's io_uring transport (4.2, {@code io.netty.channel.uring}), by name. Its sockets are
 * created, bound and closed through {@code io.netty.channel.unix.Socket} ({@link NettySocketHooks}
 * covers those, and the {@code finishConnect()} after a connect completes via POLLOUT); connect,
 * accept, reads and writes are ring submissions and completions, hooked here. Only the TCP server
 * channel's accepts are reported (the Unix-domain server has no drops to attribute).
 */
final class NettyIoUringHooks {
  static final String UNSAFE = "io.netty.channel.uring.AbstractIoUringChannel$AbstractUringUnsafe";
  static final String SERVER_SOCKET_CHANNEL = "io.netty.channel.uring.IoUringServerSocketChannel";

  private NettyIoUringHooks() {}

  /** Hooks by binary class name. */
  static Map<String, List<Hook>> all() {
    Map<String, List<Hook>> hooks = new LinkedHashMap<>();
    hooks.put(UNSAFE, unsafe());
    hooks.put(SERVER_SOCKET_CHANNEL, serverSocketChannel());
    return hooks;
  }

  /** The per-channel completion handler shared by stream, datagram and server channels. */
  private static List<Hook> unsafe() {
    return List.of(
        Hook.of(
            "connecting",
            named("connect").and(takesArguments(3)).and(takesArgument(0, SocketAddress.class))
                .and(takesArgument(1, SocketAddress.class)),
            NettyIoUringAdvice.Connect.class),
        Hook.of(
            "bound after connect",
            named("connectComplete").and(takesArguments(4)).and(takesArgument(1, int.class)),
            NettyIoUringAdvice.ConnectComplete.class),
        // Private methods, one call per completion (a multishot read completes many times).
        Hook.of(
            "used",
            namedOneOf("readComplete", "writeComplete").and(takesArguments(4)),
            NettyIoUringAdvice.Used.class));
  }

  private static List<Hook> serverSocketChannel() {
    return List.of(
        Hook.of(
            "accepted",
            named("newChildChannel").and(takesArguments(int.class, ByteBuffer.class)).and(returns(named("io.netty.channel.Channel"))),
            NettyIoUringAdvice.NewChild.class));
  }
}
