package io.netdrop.telemetry.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.telemetry.Drop;
import io.netdrop.telemetry.TelemetryNames;
import io.netdrop.telemetry.TestDrops;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OtelDropsTest {
  private static final long MS = 1_000_000L;
  private static final long T = 7_000 * MS;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryLogRecordExporter logs = InMemoryLogRecordExporter.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
          .setLoggerProvider(SdkLoggerProvider.builder().addLogRecordProcessor(SimpleLogRecordProcessor.create(logs)).build())
          .build();
  private final OtelDrops drops = new OtelDrops(sdk, "1.2.3", true, true, 5_000, Set.of());

  @AfterEach
  void shutDown() {
    sdk.close();
  }

  private Span request() {
    return sdk.getTracer("test").spanBuilder("GET /orders").startSpan();
  }

  @Test
  void dropOnRecordingSpanIsASpanEventAtTheDropsTimeWithItsAttributes() {
    Span span = request();
    assertEquals(OtelDrops.Outcome.SPAN_EVENT, drops.emit(TestDrops.drop("NO_SOCKET", T, span, T)));
    span.end();
    SpanData data = spans.getFinishedSpanItems().get(0);
    assertEquals(1, data.getEvents().size());
    EventData event = data.getEvents().get(0);
    assertEquals(TelemetryNames.DROP, event.getName());
    assertEquals(TimeUnit.SECONDS.toNanos(TestDrops.EPOCH.getEpochSecond()) + T, event.getEpochNanos());
    Attributes a = event.getAttributes();
    assertEquals("NO_SOCKET", a.get(AttributeKey.stringKey(TelemetryNames.REASON)));
    assertEquals("NO_SOCKET", a.get(AttributeKey.stringKey(TelemetryNames.ERROR_TYPE)));
    assertEquals("tcp_v4_rcv+0x99", a.get(AttributeKey.stringKey(TelemetryNames.LOCATION)));
    assertEquals(1L, a.get(AttributeKey.longKey(TelemetryNames.COUNT)));
    assertEquals(8443L, a.get(AttributeKey.longKey(TelemetryNames.PEER_PORT)));
    assertEquals(8443L, a.get(AttributeKey.longKey(TelemetryNames.SERVER_PORT)));
    assertEquals("tcp", a.get(AttributeKey.stringKey(TelemetryNames.TRANSPORT)));
    assertEquals("ipv4", a.get(AttributeKey.stringKey(TelemetryNames.NETWORK_TYPE)));
    assertEquals("transmit", a.get(AttributeKey.stringKey(TelemetryNames.DIRECTION)));
    assertEquals("client", a.get(AttributeKey.stringKey(TelemetryNames.ROLE)));
    assertEquals("com.acme.OrderClient", a.get(AttributeKey.stringKey(TelemetryNames.CREATOR)));
    assertTrue(logs.getFinishedLogRecordItems().isEmpty());
  }

  @Test
  void dropAfterTheSpanEndedIsAChildSpanUnderItSpanningTheBurst() {
    Span span = request();
    span.end();
    Drop burst = TestDrops.drop("SOCKET_RCVBUFF", T, span, T - 100 * MS).burst(40, T, T + 30 * MS, "x");
    assertEquals(OtelDrops.Outcome.CHILD_SPAN, drops.emit(burst));
    List<SpanData> finished = spans.getFinishedSpanItems();
    assertEquals(2, finished.size());
    SpanData child = finished.get(1);
    assertEquals(TelemetryNames.DROP, child.getName());
    assertEquals(span.getSpanContext().getTraceId(), child.getTraceId());
    assertEquals(span.getSpanContext().getSpanId(), child.getParentSpanId());
    assertEquals(30 * MS, child.getEndEpochNanos() - child.getStartEpochNanos());
    assertEquals(40L, child.getAttributes().get(AttributeKey.longKey(TelemetryNames.COUNT)));
    assertEquals(30 * MS, child.getAttributes().get(AttributeKey.longKey(TelemetryNames.INTERVAL)));
  }

  @Test
  void anEndedSpanIsSettledToItsContextAndStillParentsTheDropsChildSpan() {
    Span span = request();
    OtelCurrentSpan source = new OtelCurrentSpan();
    assertSame(span, source.settle(span), "a recording span is kept: it takes events");
    span.end();
    Object settled = source.settle(span);
    assertNotSame(span, settled);
    assertEquals(span.getSpanContext(), ((Span) settled).getSpanContext());

    assertEquals(OtelDrops.Outcome.CHILD_SPAN, drops.emit(TestDrops.drop("NOT_SPECIFIED", T, settled, T - MS)));
    SpanData child = spans.getFinishedSpanItems().get(1);
    assertEquals(span.getSpanContext().getTraceId(), child.getTraceId());
    assertEquals(span.getSpanContext().getSpanId(), child.getParentSpanId());
  }

  @Test
  void dropLongAfterTheSpanLastUsedTheConnectionIsALogRecordNotAChildInAnOldTrace() {
    Span span = request();
    span.end();
    assertEquals(OtelDrops.Outcome.LOG_RECORD, drops.emit(TestDrops.drop("SOCKET_RCVBUFF", T, span, T - 6_000 * MS)));
    assertEquals(1, spans.getFinishedSpanItems().size(), "no child span");
    LogRecordData log = logs.getFinishedLogRecordItems().get(0);
    assertFalse(log.getSpanContext().isValid(), "not tied to the old trace");
  }

  @Test
  void dropWithoutSpanIsAWarningLogRecordWithTheLineAndAttributes() {
    assertEquals(OtelDrops.Outcome.LOG_RECORD, drops.emit(TestDrops.drop("SOCKET_RCVBUFF", T, null, 0)));
    assertTrue(spans.getFinishedSpanItems().isEmpty(), "a span is never invented");
    LogRecordData log = logs.getFinishedLogRecordItems().get(0);
    assertEquals("line SOCKET_RCVBUFF", log.getBodyValue().asString());
    assertEquals(io.opentelemetry.api.logs.Severity.WARN, log.getSeverity());
    assertEquals(TimeUnit.SECONDS.toNanos(TestDrops.EPOCH.getEpochSecond()) + T, log.getTimestampEpochNanos());
    assertEquals("SOCKET_RCVBUFF", log.getAttributes().get(AttributeKey.stringKey(TelemetryNames.REASON)));
    assertEquals(TelemetryNames.DROP, log.getEventName());
  }

  @Test
  void unsampledEndedSpanGetsNoChild() {
    Span unsampled =
        Span.wrap(SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getDefault(), TraceState.getDefault()));
    assertEquals(OtelDrops.Outcome.LOG_RECORD, drops.emit(TestDrops.drop("NO_SOCKET", T, unsampled, T)));
    assertTrue(spans.getFinishedSpanItems().isEmpty());
  }

  @Test
  void redactedAttributesAreNeverWritten() {
    OtelDrops redacting =
        new OtelDrops(sdk, "1.2.3", true, true, 5_000, Set.of(TelemetryNames.PEER_ADDRESS, TelemetryNames.CREATOR));
    Span span = request();
    redacting.emit(TestDrops.drop("NO_SOCKET", T, span, T));
    span.end();
    Attributes a = spans.getFinishedSpanItems().get(0).getEvents().get(0).getAttributes();
    assertNull(a.get(AttributeKey.stringKey(TelemetryNames.PEER_ADDRESS)));
    assertNull(a.get(AttributeKey.stringKey(TelemetryNames.CREATOR)));
    assertEquals(8443L, a.get(AttributeKey.longKey(TelemetryNames.PEER_PORT)));
  }

  @Test
  void signalsSwitchedOffWriteNothing() {
    OtelDrops off = new OtelDrops(sdk, "1.2.3", false, false, 5_000, Set.of());
    Span span = request();
    assertEquals(OtelDrops.Outcome.NONE, off.emit(TestDrops.drop("NO_SOCKET", T, span, T)));
    span.end();
    assertTrue(spans.getFinishedSpanItems().get(0).getEvents().isEmpty());
    assertTrue(logs.getFinishedLogRecordItems().isEmpty());
  }
}
