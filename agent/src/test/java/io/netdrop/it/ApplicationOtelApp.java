package io.netdrop.it;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An application that uses the OpenTelemetry API and SDK itself, with no OpenTelemetry Java agent,
 * for ApplicationOtelIT. Its SDK prints each span, log record and metric it exports as one line
 * ({@code app: span name=... trace=... id=... parent=... event=NAME{attributes}...}). The same
 * source runs on OpenTelemetry 1.63 (test class path) and, compiled by the IT, on 1.40: it uses
 * only what both have.
 *
 * <p>Arguments: {@code global|local} (whether the SDK is registered as {@code
 * GlobalOpenTelemetry}), {@code early|late} (built at start, or on the {@code otel} command, after
 * netdrop started). Commands on stdin, each connecting to a closed loopback port: {@code event
 * PORT} inside a span that records until netdrop wrote the drop on it; {@code child PORT} inside
 * a span that ends before netdrop reads the drop; {@code log PORT} outside any span; then {@code
 * metrics}, {@code exit}.
 */
public final class ApplicationOtelApp {
  public static void main(String[] args) throws IOException {
    boolean global = args[0].equals("global");
    if (args[1].equals("early")) {
      Otel.setUp(global);
    }
    System.out.println("app: ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] c = line.trim().split(" ");
      switch (c[0]) {
        case "otel":
          Otel.setUp(global);
          break;
        case "event":
          Otel.dropOnRecordingSpan(Integer.parseInt(c[1]));
          break;
        case "child":
          Otel.dropOnEndedSpan(Integer.parseInt(c[1]));
          break;
        case "log":
          connect(Integer.parseInt(c[1]));
          break;
        case "metrics":
          Otel.flushMetrics();
          break;
        case "exit":
          System.out.println("app: bye");
          return;
        default:
          System.out.println("app: unknown command " + line);
      }
    }
  }

  static void connect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      System.out.println("app: connected to " + port + "?");
    } catch (IOException e) {
      System.out.println("app: connect " + port + " failed " + e.getClass().getSimpleName());
    }
  }

  /** Everything that names an OpenTelemetry type: loaded only when the SDK is built. */
  static final class Otel {
    private static OpenTelemetrySdk sdk;
    private static Tracer tracer;
    private static PeriodicMetricReader metrics;

    static void setUp(boolean global) {
      metrics = PeriodicMetricReader.builder(new Metrics()).setInterval(Duration.ofHours(1)).build();
      sdk =
          OpenTelemetrySdk.builder()
              .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new Spans())).build())
              .setLoggerProvider(SdkLoggerProvider.builder().addLogRecordProcessor(SimpleLogRecordProcessor.create(new Logs())).build())
              .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
              .build();
      if (global) {
        GlobalOpenTelemetry.set(sdk);
      }
      tracer = sdk.getTracer("app");
      System.out.println("app: otel ready global=" + global);
    }

    /** netdrop writes the drop while the span records: it ends once the event is there (at most 30 s). */
    static void dropOnRecordingSpan(int port) {
      Span span = tracer.spanBuilder("connect-event").startSpan();
      try (Scope scope = span.makeCurrent()) {
        connect(port);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!hasDropEvent((ReadableSpan) span) && System.nanoTime() < deadline) {
        sleep(10);
      }
      span.end();
    }

    private static boolean hasDropEvent(ReadableSpan span) {
      for (EventData e : span.toSpanData().getEvents()) {
        if (e.getName().equals("linux.skb.drop")) {
          return true;
        }
      }
      return false;
    }

    /**
     * The span current at the connect ends before netdrop looks at the drop: the span netdrop
     * notes answers {@code isRecording()} only after the application ended it.
     */
    static void dropOnEndedSpan(int port) {
      Span span = tracer.spanBuilder("connect-child").startSpan();
      CountDownLatch ended = new CountDownLatch(1);
      try (Scope scope = new EndsFirst(span, ended).makeCurrent()) {
        connect(port);
      }
      span.end();
      ended.countDown();
    }

    static void flushMetrics() {
      metrics.forceFlush().join(10, TimeUnit.SECONDS);
      System.out.println("app: metrics flushed");
    }
  }

  /** A span whose {@code isRecording()} waits until the application has ended it. */
  static final class EndsFirst implements Span {
    private final Span span;
    private final CountDownLatch ended;

    EndsFirst(Span span, CountDownLatch ended) {
      this.span = span;
      this.ended = ended;
    }

    @Override
    public boolean isRecording() {
      try {
        ended.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return span.isRecording();
    }

    @Override
    public SpanContext getSpanContext() {
      return span.getSpanContext();
    }

    @Override
    public <T> Span setAttribute(AttributeKey<T> key, T value) {
      span.setAttribute(key, value);
      return this;
    }

    @Override
    public Span addEvent(String name, Attributes attributes) {
      span.addEvent(name, attributes);
      return this;
    }

    @Override
    public Span addEvent(String name, Attributes attributes, long timestamp, TimeUnit unit) {
      span.addEvent(name, attributes, timestamp, unit);
      return this;
    }

    @Override
    public Span setStatus(StatusCode status, String description) {
      span.setStatus(status, description);
      return this;
    }

    @Override
    public Span recordException(Throwable exception, Attributes attributes) {
      span.recordException(exception, attributes);
      return this;
    }

    @Override
    public Span updateName(String name) {
      span.updateName(name);
      return this;
    }

    @Override
    public void end() {
      span.end();
    }

    @Override
    public void end(long timestamp, TimeUnit unit) {
      span.end(timestamp, unit);
    }
  }

  private static final class Spans implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      for (SpanData s : spans) {
        StringBuilder line =
            new StringBuilder("app: span name=" + s.getName() + " trace=" + s.getTraceId() + " id=" + s.getSpanId()
                + " parent=" + s.getParentSpanId() + " scope=" + s.getInstrumentationScopeInfo().getName());
        for (EventData e : s.getEvents()) {
          line.append(" event=").append(e.getName()).append(text(e.getAttributes().asMap()));
        }
        line.append(" attributes=").append(text(s.getAttributes().asMap()));
        System.out.println(line);
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  private static final class Logs implements LogRecordExporter {
    @Override
    public CompletableResultCode export(Collection<LogRecordData> logs) {
      for (LogRecordData l : logs) {
        System.out.println("app: log severity=" + l.getSeverity() + " scope=" + l.getInstrumentationScopeInfo().getName()
            + " attributes=" + text(l.getAttributes().asMap()));
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  private static final class Metrics implements MetricExporter {
    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
      for (MetricData m : metrics) {
        System.out.println("app: metric " + m.getName() + " scope=" + m.getInstrumentationScopeInfo().getName()
            + " unit=" + m.getUnit() + " points=" + m.getData().getPoints().size());
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType type) {
      return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  private static String text(Map<AttributeKey<?>, Object> attributes) {
    Map<String, String> sorted = new TreeMap<>();
    attributes.forEach((k, v) -> sorted.put(k.getKey(), String.valueOf(v)));
    return sorted.toString();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
