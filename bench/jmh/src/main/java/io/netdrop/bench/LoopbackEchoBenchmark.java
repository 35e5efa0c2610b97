package io.netdrop.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
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
 * The steady-state I/O path: one connected loopback TCP pair in this JVM, the benchmark thread
 * writes {@value #MESSAGE} bytes and reads them back from an echo thread. With the agent, every
 * read and write on both ends passes its "used" hook (a table lookup and two stores); nothing
 * else of the agent is on this path. One op = one round trip; the score is round trips/s,
 * compared with and without {@code -javaagent} by bench/socket-overhead.sh.
 *
 * <p>{@link #socketEcho} uses java.net.Socket streams (NioSocketImpl), {@link #channelEcho} a
 * blocking SocketChannel; the echo side is a java.net.Socket in both. TCP_NODELAY on both ends,
 * so Nagle never holds a segment back.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LoopbackEchoBenchmark {
  static final int MESSAGE = 64;

  private ServerSocket listener;
  private Thread echo;
  private Socket client;
  private InputStream in;
  private OutputStream out;
  private SocketChannel channel;
  private final byte[] message = new byte[MESSAGE];
  private final byte[] reply = new byte[MESSAGE];
  private final ByteBuffer messageBuffer = ByteBuffer.allocateDirect(MESSAGE);
  private final ByteBuffer replyBuffer = ByteBuffer.allocateDirect(MESSAGE);

  @Setup
  public void connect() throws IOException {
    AgentCheck.verify();
    for (int i = 0; i < MESSAGE; i++) {
      message[i] = (byte) i;
      messageBuffer.put(i, (byte) i);
    }
    InetAddress loopback = InetAddress.getLoopbackAddress();
    listener = new ServerSocket(0, 2, loopback);
    echo = new Thread(this::echoTwoClients, "bench-echo");
    echo.setDaemon(true);
    echo.start();
    InetSocketAddress address = (InetSocketAddress) listener.getLocalSocketAddress();
    client = new Socket();
    client.setTcpNoDelay(true);
    client.connect(address);
    in = client.getInputStream();
    out = client.getOutputStream();
    channel = SocketChannel.open(address);
    channel.socket().setTcpNoDelay(true);
    // One round trip each, checked, so a broken echo fails the setup rather than the score.
    if (socketEcho() != MESSAGE - 1 || channelEcho() != MESSAGE - 1) {
      throw new IllegalStateException("echo returned other bytes than were sent");
    }
  }

  /** Serves the two connections the setup makes, each on its own thread. */
  private void echoTwoClients() {
    try {
      for (int i = 0; i < 2; i++) {
        Socket peer = listener.accept();
        peer.setTcpNoDelay(true);
        Thread t = new Thread(() -> echo(peer), "bench-echo-" + i);
        t.setDaemon(true);
        t.start();
      }
    } catch (IOException closed) {
      // teardown
    }
  }

  private static void echo(Socket peer) {
    byte[] buf = new byte[4096];
    try (peer) {
      InputStream pin = peer.getInputStream();
      OutputStream pout = peer.getOutputStream();
      for (int n; (n = pin.read(buf)) > 0; ) {
        pout.write(buf, 0, n);
      }
    } catch (IOException closed) {
      // teardown
    }
  }

  @TearDown
  public void close() throws Exception {
    client.close();
    channel.close();
    listener.close();
    echo.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** 64 bytes out and back over java.net.Socket streams. */
  @Benchmark
  public byte socketEcho() throws IOException {
    out.write(message);
    for (int n = 0; n < MESSAGE; ) {
      int r = in.read(reply, n, MESSAGE - n);
      if (r < 0) {
        throw new EOFException("echo closed");
      }
      n += r;
    }
    return reply[MESSAGE - 1];
  }

  /** 64 bytes out and back over a blocking SocketChannel. */
  @Benchmark
  public byte channelEcho() throws IOException {
    messageBuffer.clear();
    while (messageBuffer.hasRemaining()) {
      channel.write(messageBuffer);
    }
    replyBuffer.clear();
    while (replyBuffer.hasRemaining()) {
      if (channel.read(replyBuffer) < 0) {
        throw new EOFException("echo closed");
      }
    }
    return replyBuffer.get(MESSAGE - 1);
  }
}
