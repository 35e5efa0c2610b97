package io.netdrop.bench;

import io.netdrop.bootstrap.NetdropBridge;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The call that the agent's advice makes on every read and write, {@code
 * NetdropBridge.used(fd, channel)}, for an open, registered, connected SocketChannel, without the
 * I/O around it. With the agent the bridge is the bootstrap copy holding the agent's callback;
 * without it the copy in this jar holding the no-op. The difference is the agent's CPU cost per
 * read or write, which {@link LoopbackEchoBenchmark} (four hook calls per round trip) cannot
 * resolve on a noisy machine. It excludes the advice's own field read and call, which are a few
 * instructions inlined into the JDK method.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsPrepend = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")
public class UsedHookBenchmark {
  private ServerSocketChannel listener;
  private SocketChannel client;
  private SocketChannel server;
  private FileDescriptor fd;

  @Setup
  public void connect() throws IOException, ReflectiveOperationException {
    AgentCheck.verify(); // opened after the agent is ready, so the agent has registered them
    listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    client = SocketChannel.open(listener.getLocalAddress());
    server = listener.accept();
    Field field = client.getClass().getDeclaredField("fd");
    field.setAccessible(true);
    fd = (FileDescriptor) field.get(client);
  }

  @TearDown
  public void close() throws IOException {
    client.close();
    server.close();
    listener.close();
  }

  @Benchmark
  public void used() {
    NetdropBridge.used(fd, client);
  }
}
