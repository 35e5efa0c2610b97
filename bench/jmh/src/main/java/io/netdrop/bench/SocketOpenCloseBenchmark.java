package io.netdrop.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What opening and closing a socket costs the application's thread: the agent registers each
 * socket it sees open (fstat, a bpf map update and a stack walk for the creating class), each
 * connect/bind (getsockname/getpeername and a tuple or port update) and each close. One op = one
 * socket opened and closed; the score is ns/op on one thread, to be compared with and without
 * {@code -javaagent} (bench/socket-overhead.sh).
 *
 * <p>{@link #socketConnectClose} connects to a listener in this JVM whose accept thread closes
 * what it accepts, waits for that close (end of stream) and closes too, so one op is a whole
 * connection's life on both ends, and its time includes the accept thread's share (with the
 * agent: registering the accepted socket and its close). Letting the server close first keeps
 * TIME_WAIT on the server side, where it does not hold the client's ephemeral ports, and sends no
 * reset: a client that closed first would exhaust the ports within seconds at this rate, and one
 * that reset (SO_LINGER 0) makes the kernel drop the crossing packets, which the agent would then
 * report, measuring its drop path instead of its socket path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SocketOpenCloseBenchmark {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private ServerSocket listener;
  private Thread acceptor;
  private InetSocketAddress listenerAddress;
  private final InetSocketAddress anyLoopbackPort = new InetSocketAddress(LOOPBACK, 0);

  @Setup
  public void listen() throws IOException {
    AgentCheck.verify();
    listener = new ServerSocket(0, 4096, LOOPBACK);
    listenerAddress = (InetSocketAddress) listener.getLocalSocketAddress();
    acceptor = new Thread(this::acceptAndClose, "bench-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void acceptAndClose() {
    while (!listener.isClosed()) {
      try {
        listener.accept().close();
      } catch (SocketException closed) {
        // teardown closed the listener; the loop ends
      } catch (IOException e) {
        e.printStackTrace();
        return;
      }
    }
  }

  @TearDown
  public void close() throws Exception {
    listener.close();
    acceptor.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** {@code new Socket()}, connect to a loopback listener, read its close, close. */
  @Benchmark
  public int socketConnectClose() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(listenerAddress);
      int eof = socket.getInputStream().read();
      if (eof != -1) {
        throw new IllegalStateException("the listener sent a byte; it should only close");
      }
      return eof;
    }
  }

  /** {@code SocketChannel.open()} and close, never connected. */
  @Benchmark
  public void socketChannelOpenClose() throws IOException {
    SocketChannel.open().close();
  }

  /** {@code DatagramChannel.open()}, bind to 127.0.0.1:0, close. */
  @Benchmark
  public void datagramChannelOpenBindClose() throws IOException {
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.bind(anyLoopbackPort);
    }
  }
}
