package io.netdrop.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Netty's native transports, by name. epoll and io_uring both wrap their descriptors in
 * {@code io.netty.channel.unix.Socket} (whose {@code LinuxSocket} subclasses add no socket
 * creation of their own), so hooking that class and its superclass covers creation, bind,
 * connect, accept, I/O and close for epoll, and creation, bind and close for io_uring (whose
 * connect, accept and I/O go through the ring: {@link NettyIoUringHooks}). Netty NIO uses JDK
 * channels.
 */
final class NettySocketHooks {
  static final String SOCKET = "io.netty.channel.unix.Socket";
  static final String FILE_DESCRIPTOR = "io.netty.channel.unix.FileDescriptor";

  private NettySocketHooks() {}

  /** Hooks by binary class name. */
  static Map<String, List<Hook>> all() {
    Map<String, List<Hook>> hooks = new LinkedHashMap<>();
    hooks.put(SOCKET, socket());
    hooks.put(FILE_DESCRIPTOR, fileDescriptor());
    return hooks;
  }

  private static List<Hook> socket() {
    return List.of(
        // The boolean (ipv6) overloads make the syscall; the others delegate to them.
        Hook.of(
            "opened (TCP)",
            named("newSocketStream0").and(isStatic()).and(takesArguments(boolean.class)),
            NettyAdvice.OpenedStream.class),
        Hook.of(
            "opened (UDP)",
            named("newSocketDgram0").and(isStatic()).and(takesArguments(boolean.class)),
            NettyAdvice.OpenedDatagram.class),
        Hook.of(
            "opened (UNIX)",
            namedOneOf("newSocketDomain0", "newSocketDomainDgram0").and(isStatic()).and(takesArguments(0)),
            NettyAdvice.OpenedDomain.class),
        Hook.of(
            "connecting",
            named("connect").and(takesArguments(SocketAddress.class)).and(returns(boolean.class)),
            NettyAdvice.Connect.class),
        Hook.of(
            "bound after connect",
            named("finishConnect").and(takesArguments(0)).and(returns(boolean.class)),
            NettyAdvice.FinishConnect.class),
        Hook.of("bound", named("bind").and(takesArguments(SocketAddress.class)), NettyAdvice.Bind.class),
        Hook.of(
            "accepted",
            named("accept").and(takesArguments(byte[].class)).and(returns(int.class)),
            NettyAdvice.Accept.class),
        Hook.of(
            "used",
            nameStartsWith("send").or(nameStartsWith("recv")).and(instanceCode()).and(new NotDelegatingOverload()),
            NettyAdvice.Used.class));
  }

  private static List<Hook> fileDescriptor() {
    return List.of(
        Hook.of(
            "used",
            namedOneOf("write", "writeAddress", "writev", "writevAddresses", "read", "readAddress").and(instanceCode()),
            NettyAdvice.Used.class),
        Hook.of("closing", named("markClosed").and(takesArguments(0)).and(returns(boolean.class)), NettyAdvice.Closing.class));
  }

  private static ElementMatcher.Junction<MethodDescription> instanceCode() {
    return not(isStatic()).and(not(isNative()));
  }

  /**
   * Excludes an overload that only forwards to a same-named overload with one more argument
   * ({@code sendTo(..., port)} calls {@code sendTo(..., port, false)}), so one call is one event.
   */
  private static final class NotDelegatingOverload extends ElementMatcher.Junction.AbstractBase<MethodDescription> {
    @Override
    public boolean matches(MethodDescription method) {
      int longer = method.getParameters().size() + 1;
      return method
          .getDeclaringType()
          .asErasure()
          .getDeclaredMethods()
          .filter(named(method.getName()).and(takesArguments(longer)).and(not(isStatic())))
          .isEmpty();
    }
  }
}
