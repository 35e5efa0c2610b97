package io.netdrop.telemetry.otel;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
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
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An application with its own copy of the OpenTelemetry API and SDK, for the unit tests: loaded
 * in a class loader that holds that copy (1.63 or 1.40), driven by string commands through a JDK
 * interface, since the test's own OpenTelemetry types are other classes. Uses only SDK methods
 * both versions have.
 */
public final class ApplicationUnderTest implements Function<String, Object> {
  private final List<String> spans = new ArrayList<>();
  private final List<String> logs = new ArrayList<>();
  private volatile CollectionRegistration metrics;
  private OpenTelemetrySdk sdk;
  private Span span;
  private Scope scope;

  @Override
  public synchronized Object apply(String command) {
    String[] c = command.split(" ");
    switch (c[0]) {
      case "sdk": // sdk global|local
        SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new Spans())).build();
        SdkLoggerProvider logging = SdkLoggerProvider.builder().addLogRecordProcessor(SimpleLogRecordProcessor.create(new Logs())).build();
        SdkMeterProvider metering = SdkMeterProvider.builder().registerMetricReader(new Reader()).build();
        sdk = OpenTelemetrySdk.builder().setTracerProvider(tracing).setLoggerProvider(logging).setMeterProvider(metering).build();
        if (c[1].equals("global")) {
          GlobalOpenTelemetry.set(sdk);
        }
        return "ok";
      case "register": // registers the SDK as GlobalOpenTelemetry now
        GlobalOpenTelemetry.set(sdk);
        return "ok";
      case "start": // start NAME: a span, current on the calling thread
        span = sdk.getTracer("app").spanBuilder(c[1]).startSpan();
        scope = span.makeCurrent();
        return span;
      case "end":
        scope.close();
        span.end();
        return span.getSpanContext().getSpanId();
      case "trace":
        return span.getSpanContext().getTraceId();
      case "spans":
        return List.copyOf(spans);
      case "logs":
        return List.copyOf(logs);
      case "metrics":
        List<String> names = new ArrayList<>();
        for (MetricData m : metrics.collectAllMetrics()) {
          names.add(m.getName() + " " + m.getInstrumentationScopeInfo().getName());
        }
        return names;
      default:
        throw new IllegalArgumentException(command);
    }
  }

  /** name=N trace=T id=S parent=P, then one "event NAME {attributes}" each. */
  private final class Spans implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> data) {
      synchronized (ApplicationUnderTest.this) {
        for (SpanData s : data) {
          StringBuilder line =
              new StringBuilder("name=" + s.getName() + " trace=" + s.getTraceId() + " id=" + s.getSpanId()
                  + " parent=" + s.getParentSpanId() + " scope=" + s.getInstrumentationScopeInfo().getName());
          for (EventData e : s.getEvents()) {
            line.append(" event ").append(e.getName()).append(' ').append(attributes(e.getAttributes().asMap()));
          }
          if (s.getEvents().isEmpty()) {
            line.append(" attributes ").append(attributes(s.getAttributes().asMap()));
          }
          spans.add(line.toString());
        }
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

  private final class Logs implements LogRecordExporter {
    @Override
    public CompletableResultCode export(Collection<LogRecordData> data) {
      synchronized (ApplicationUnderTest.this) {
        for (LogRecordData l : data) {
          logs.add("severity=" + l.getSeverity() + " scope=" + l.getInstrumentationScopeInfo().getName() + " "
              + attributes(l.getAttributes().asMap()));
        }
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

  private final class Reader implements MetricReader {
    @Override
    public void register(CollectionRegistration registration) {
      metrics = registration;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType type) {
      return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode forceFlush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  private static String attributes(java.util.Map<?, ?> map) {
    TreeMap<String, String> sorted = new TreeMap<>();
    map.forEach((k, v) -> sorted.put(k.toString(), String.valueOf(v)));
    return sorted.toString();
  }
}
