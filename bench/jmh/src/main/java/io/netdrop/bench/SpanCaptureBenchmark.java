package io.netdrop.bench;

import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.RegistrySocketEvents;
import io.netdrop.sockets.SpanUses;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.SocketCalls;
import io.netdrop.telemetry.otel.OtelCurrentSpan;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
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
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-read/write hook with the span capture, in this JVM and without BPF:
 * {@code RegistrySocketEvents.used(fd, channel)} for a registered, connected SocketChannel, with
 * {@link OtelCurrentSpan} reading the current span of the OpenTelemetry API and an SDK span (an
 * {@code SdkTracerProvider} without processors: real, recording spans) made current on the
 * benchmark thread. Without the OpenTelemetry Java agent this is what the agent's hook runs when
 * netdrop's own API copy is the application's (the spans are then seen); {@link
 * SpanCaptureAgentBenchmark} measures the real agents.
 *
 * <ul>
 *   <li>{@code span=none}: no span is current;
 *   <li>{@code span=same}: one span is current on every call (a request using its connection);
 *   <li>{@code span=new}: each call makes another of {@value #SPANS} spans current first (a span
 *       per read or write, the worst case: the connection's {@link SpanUses} takes its lock and
 *       reads the clock every time). The op includes {@code makeCurrent()} and {@code close()}.
 *   <li>{@code capture=off}: the same without a {@code CurrentSpan} (the hook before the span
 *       capture), so on minus off is what the capture adds to the hook for each case.
 * </ul>
 *
 * Every fork checks first that the hook noted the span (or none) in the connection's record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsPrepend = {
    "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class SpanCaptureBenchmark {
  /** Distinct spans {@code span=new} cycles through (more than {@link SpanUses#SLOTS}). */
  static final int SPANS = 1024;

  @Param({"none", "same", "new"})
  public String span;

  @Param({"on", "off"})
  public String capture;

  private ServerSocketChannel listener;
  private SocketChannel client;
  private SocketChannel server;
  private FileDescriptor fd;
  private RegistrySocketEvents events;
  private SdkTracerProvider tracerProvider;
  private io.opentelemetry.context.Scope current;
  private Context[] contexts;
  private int next;

  @Setup
  public void setUp() throws IOException, ReflectiveOperationException {
    listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    client = SocketChannel.open(listener.getLocalAddress());
    server = listener.accept();
    Field field = client.getClass().getDeclaredField("fd");
    field.setAccessible(true);
    fd = (FileDescriptor) field.get(client);

    FileDescriptors fds = FileDescriptors.reflective();
    if (!fds.available()) {
      throw new IllegalStateException("java.io is not open: the fd cannot be read");
    }
    ConnectionRegistry registry = ConnectionRegistry.create();
    events = RegistrySocketEvents.builder(registry).fileDescriptors(fds).build();
    events.start(1000); // advances the coarse use clock every 100 ms, as in the agent
    events.opened(fd, SocketEvents.TCP, client);
    if (capture.equals("on")) {
      events.useCurrentSpan(new OtelCurrentSpan());
    } else if (!capture.equals("off")) {
      throw new IllegalArgumentException("capture=" + capture);
    }

    tracerProvider = SdkTracerProvider.builder().build();
    var tracer = tracerProvider.get("netdrop-bench");
    Span expected = null;
    switch (span) {
      case "none" -> {}
      case "same" -> {
        expected = tracer.spanBuilder("request").startSpan();
        current = expected.makeCurrent();
      }
      case "new" -> {
        contexts = new Context[SPANS];
        for (int i = 0; i < SPANS; i++) {
          contexts[i] = Context.root().with(tracer.spanBuilder("request " + i).startSpan());
        }
        expected = Span.fromContext(contexts[0]);
      }
      default -> throw new IllegalArgumentException("span=" + span);
    }
    used();
    ConnectionRecord record = registry.find(SocketCalls.inode(fds.fd(fd)));
    if (record == null) {
      throw new IllegalStateException("the connection was not registered: " + events.lastFailure());
    }
    SpanUses uses = record.spans();
    Object seen = uses == null ? null : uses.newest().span();
    Object want = capture.equals("on") ? expected : null;
    if (seen != want) {
      throw new IllegalStateException("the hook noted span " + seen + ", expected " + want);
    }
  }

  @TearDown
  public void tearDown() throws IOException {
    if (current != null) {
      current.close();
    }
    events.close();
    tracerProvider.close();
    client.close();
    server.close();
    listener.close();
  }

  @Benchmark
  public void used() {
    if (contexts == null) {
      events.used(fd, client);
    } else {
      try (io.opentelemetry.context.Scope s = enter()) {
        events.used(fd, client);
      }
    }
  }

  /**
   * Makes the next span current. Not inlined, so that its scope is allocated whether or not the
   * hook's code lets the JIT elide it: only the hook differs between runs.
   */
  @CompilerControl(CompilerControl.Mode.DONT_INLINE)
  private io.opentelemetry.context.Scope enter() {
    return contexts[next++ & (SPANS - 1)].makeCurrent();
  }
}
