package io.netdrop.bench;

import io.netdrop.bootstrap.NetdropBridge;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * The call the agent's advice makes on every read and write, {@code NetdropBridge.used(fd,
 * channel)}, as {@link UsedHookBenchmark}, with an application span current: run under the real
 * agents by bench/span-capture.sh. The application makes its spans current through its own copy
 * of the OpenTelemetry API (the one in this jar): under the OpenTelemetry Java agent from {@code
 * GlobalOpenTelemetry} (the agent's bridged SDK, which netdrop's hook then reads through the
 * agent's bridge of netdrop's own API copy), else from an SDK of the application's own, which
 * netdrop's isolated API copy cannot see.
 *
 * <p>{@code span=none|same|new} as in {@link SpanCaptureBenchmark} ({@code new}: each op makes
 * another of {@value SpanCaptureBenchmark#SPANS} spans current around the call, which is in the
 * op). The system property {@value #PROPERTY} makes each fork check, after one call, what the
 * agent's registry noted for the connection: {@code seen} (the span current at the call, or none
 * for {@code span=none}), {@code unseen} (no span at all: an agent without the capture, or one
 * whose API copy cannot see the application's), unset (no check).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsPrepend = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")
public class SpanCaptureAgentBenchmark {
  static final String PROPERTY = "netdrop.bench.span-capture";
  /** A class the OpenTelemetry Java agent puts on the bootstrap class path. */
  private static final String OTEL_AGENT_CLASS = "io.opentelemetry.javaagent.bootstrap.AgentInitializer";

  @Param({"none", "same", "new"})
  public String span;

  private ServerSocketChannel listener;
  private SocketChannel client;
  private SocketChannel server;
  private FileDescriptor fd;
  private SdkTracerProvider ownSdk;
  private io.opentelemetry.context.Scope current;
  private Context[] contexts;
  private int next;

  @Setup
  public void setUp() throws IOException, ReflectiveOperationException {
    AgentCheck.verify(); // opened after the agent is ready, so the agent has registered them
    listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    client = SocketChannel.open(listener.getLocalAddress());
    server = listener.accept();
    Field field = client.getClass().getDeclaredField("fd");
    field.setAccessible(true);
    fd = (FileDescriptor) field.get(client);

    Tracer tracer;
    if (otelJavaAgent()) {
      tracer = GlobalOpenTelemetry.getTracer("netdrop-bench");
    } else {
      ownSdk = SdkTracerProvider.builder().build();
      tracer = ownSdk.get("netdrop-bench");
    }
    Span expected = null;
    switch (span) {
      case "none" -> {}
      case "same" -> {
        expected = tracer.spanBuilder("request").startSpan();
        current = expected.makeCurrent();
      }
      case "new" -> {
        contexts = new Context[SpanCaptureBenchmark.SPANS];
        for (int i = 0; i < contexts.length; i++) {
          contexts[i] = Context.root().with(tracer.spanBuilder("request " + i).startSpan());
        }
        expected = Span.fromContext(contexts[0]);
      }
      default -> throw new IllegalArgumentException("span=" + span);
    }
    if (expected != null && !expected.getSpanContext().isValid()) {
      throw new IllegalStateException("the application's tracer made an invalid span: " + expected);
    }
    used();
    check(expected);
  }

  @TearDown
  public void tearDown() throws IOException {
    if (current != null) {
      current.close();
    }
    if (ownSdk != null) {
      ownSdk.close();
    }
    client.close();
    server.close();
    listener.close();
  }

  @Benchmark
  public void used() {
    if (contexts == null) {
      NetdropBridge.used(fd, client);
    } else {
      try (io.opentelemetry.context.Scope s = enter()) {
        NetdropBridge.used(fd, client);
      }
    }
  }

  /**
   * Makes the next span current. Not inlined, so that its scope is allocated whether or not the
   * hook's code lets the JIT elide it: only the hook differs between runs.
   */
  @CompilerControl(CompilerControl.Mode.DONT_INLINE)
  private io.opentelemetry.context.Scope enter() {
    return contexts[next++ & (SpanCaptureBenchmark.SPANS - 1)].makeCurrent();
  }

  private static boolean otelJavaAgent() {
    try {
      Class.forName(OTEL_AGENT_CLASS, false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Checks what the agent's registry noted for the client's connection, per {@value #PROPERTY}. */
  private void check(Span expected) throws IOException, ReflectiveOperationException {
    String want = System.getProperty(PROPERTY, "");
    if (want.isEmpty()) {
      return;
    }
    if (!want.equals("seen") && !want.equals("unseen")) {
      throw new IllegalArgumentException(PROPERTY + ": '" + want + "' is neither seen nor unseen");
    }
    String noted = notedSpanId();
    String expectedId = want.equals("seen") && expected != null ? expected.getSpanContext().getSpanId() : null;
    if (noted == null ? expectedId != null : !noted.equals(expectedId)) {
      throw new IllegalStateException(
          PROPERTY + "=" + want + ", span=" + span + ": the agent noted span " + noted + " for the connection, expected "
              + expectedId);
    }
  }

  /**
   * The span id of the newest span the agent's registry noted for the client's socket, or null:
   * read by reflection from the agent's {@code RegistrySocketEvents} (in its own class loader)
   * behind the bootstrap {@code NetdropBridge}.
   */
  private String notedSpanId() throws IOException, ReflectiveOperationException {
    Field eventsField = NetdropBridge.class.getDeclaredField("events");
    eventsField.setAccessible(true);
    Object events = eventsField.get(null);
    if (!events.getClass().getName().equals("io.netdrop.sockets.RegistrySocketEvents")) {
      throw new IllegalStateException("the bridge holds " + events.getClass().getName() + ", not the agent's registry");
    }
    Field fdVal = client.getClass().getDeclaredField("fdVal");
    fdVal.setAccessible(true);
    String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fdVal.getInt(client))).toString();
    long inode = Long.parseLong(link.replaceAll("^socket:\\[(\\d+)]$", "$1"));
    Method records = events.getClass().getDeclaredMethod("records");
    records.setAccessible(true);
    for (Object r : (List<?>) records.invoke(events)) {
      if ((long) r.getClass().getMethod("inode").invoke(r) != inode) {
        continue;
      }
      Method spans;
      try {
        spans = r.getClass().getMethod("spans");
      } catch (NoSuchMethodException beforeTheCapture) {
        return null;
      }
      Object uses = spans.invoke(r);
      Object use = uses == null ? null : uses.getClass().getMethod("newest").invoke(uses);
      if (use == null) {
        return null;
      }
      Object noted = use.getClass().getMethod("span").invoke(use);
      ClassLoader agentLoader = events.getClass().getClassLoader();
      Class<?> spanType = Class.forName("io.opentelemetry.api.trace.Span", false, agentLoader);
      Class<?> contextType = Class.forName("io.opentelemetry.api.trace.SpanContext", false, agentLoader);
      Object context = spanType.getMethod("getSpanContext").invoke(noted);
      return (String) contextType.getMethod("getSpanId").invoke(context);
    }
    throw new IllegalStateException("the agent's registry holds no record of socket inode " + inode);
  }
}
