package io.netdrop.telemetry.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.sockets.CurrentSpan;
import io.netdrop.telemetry.Drop;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The seams {@link OtelTelemetry} hands out, which switch once to the application's API copy. */
class SwitchingTest {
  private static Drop drop(Object span) {
    long now = System.nanoTime();
    return new Drop(
        "NO_SOCKET", null, 1, now, now, Instant.now(), "tcp", "ipv4", "127.0.0.1", 40000, "127.0.0.1", 9,
        "receive", "client", null, 42, 40, span, now, "line");
  }

  @Test
  void currentSpanReadsTheSourceItWasSwitchedTo() {
    SwitchingCurrentSpan spans = new SwitchingCurrentSpan(() -> null);
    assertNull(spans.get());
    Object span = new Object();
    spans.switchTo(() -> span);
    assertSame(span, spans.get());
  }

  @Test
  void aSourceThatThrowsIsDroppedSoTheSocketHooksNeverSeeAnException() {
    SwitchingCurrentSpan spans = new SwitchingCurrentSpan(() -> null);
    spans.switchTo(
        new CurrentSpan() {
          @Override
          public Object get() {
            throw new NoSuchMethodError("Span.current()");
          }

          @Override
          public boolean same(Object a, Object b) {
            throw new IllegalStateException();
          }
        });
    assertNull(spans.get());
    assertNull(spans.get());
    Object a = new Object();
    assertTrue(spans.same(a, a));
    assertFalse(spans.same(a, new Object()));
  }

  @Test
  void dropsGoToTheApplicationOnceSwitchedExceptThoseOnNetdropsOwnSpans() {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
            .build()) {
      SwitchingDrops drops = new SwitchingDrops(new OtelDrops(sdk, "9.9", true, false, 60_000, Set.of()));
      List<Drop> application = new ArrayList<>();
      drops.switchTo(application::add);

      Span own = sdk.getTracer("t").spanBuilder("own").startSpan();
      drops.accept(drop(own));
      own.end();
      Object foreign = new Object();
      drops.accept(drop(foreign));
      drops.accept(drop(null));

      assertEquals(2, application.size());
      assertSame(foreign, application.get(0).span());
      assertNull(application.get(1).span());
      SpanData ownSpan = exported.getFinishedSpanItems().get(0);
      assertEquals("linux.skb.drop", ownSpan.getEvents().get(0).getName());
    }
  }

  @Test
  void spanIdsBecomeTheParentOfAChildSpanInNetdropsOwnSdk() {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
            .build()) {
      SwitchingDrops drops = new SwitchingDrops(new OtelDrops(sdk, "9.9", true, false, 60_000, Set.of()));
      SpanIds ids = new SpanIds("0123456789abcdef0123456789abcdef", "0123456789abcdef", true);
      drops.own(SpanIds.withSpan(drop(null), ids));

      SpanData child = exported.getFinishedSpanItems().get(0);
      assertEquals("linux.skb.drop", child.getName());
      assertEquals(ids.traceId(), child.getTraceId());
      assertEquals(ids.spanId(), child.getParentSpanId());
    }
  }

  @Test
  void spanIdsKeepWhetherTheApplicationSpanWasSampled() {
    SpanIds ids = new SpanIds("0123456789abcdef0123456789abcdef", "0123456789abcdef", false);
    SpanContext c = ids.asSpan().getSpanContext();
    assertEquals(
        SpanContext.create(ids.traceId(), ids.spanId(), TraceFlags.getDefault(), TraceState.getDefault()), c);
    assertFalse(c.isSampled());
  }

  @Test
  void theWatchIgnoresNetdropsOwnApiCopyAndTakesTheFirstApplicationLoader() {
    List<String> changes = new ArrayList<>();
    ClassLoader netdrop = SwitchingTest.class.getClassLoader();
    ApplicationApiWatch watch = new ApplicationApiWatch(netdrop, () -> changes.add("changed"));
    watch.seen(netdrop, "io/opentelemetry/api/GlobalOpenTelemetry");
    watch.seen(null, "io/opentelemetry/api/GlobalOpenTelemetry");
    assertNull(watch.api());
    ClassLoader first = new ClassLoader(null) {};
    ClassLoader second = new ClassLoader(null) {};
    watch.seen(first, "io/opentelemetry/api/trace/SpanBuilder"); // not one the watch waits for
    watch.seen(first, "io/opentelemetry/api/trace/Span");
    watch.seen(second, "io/opentelemetry/api/OpenTelemetry");
    assertSame(first, watch.api());
    assertFalse(watch.contextInUse(first));
    watch.seen(first, ApplicationApiWatch.CONTEXT_STORAGE);
    assertTrue(watch.contextInUse(first));
    assertEquals(2, changes.size());
  }
}
