package io.netdrop.telemetry.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.telemetry.Drop;
import io.netdrop.telemetry.DropCounts;
import io.netdrop.telemetry.TelemetryNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.lang.instrument.Instrumentation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * netdrop's telemetry through an application's own copy of the OpenTelemetry API and SDK, loaded
 * beside the test's (netdrop's) copy in a class loader of its own: {@link ApplicationUnderTest}.
 */
class ApplicationOtelTest {
  private static final String API = "io/opentelemetry/api/OpenTelemetry";
  private static final DropCounts COUNTS =
      new DropCounts() {
        @Override
        public Map<Key, Long> dropped() {
          return Map.of(new Key("NO_SOCKET", "tcp", "ipv4", 0), 3L);
        }

        @Override
        public long heldBack() {
          return 0;
        }

        @Override
        public long lost() {
          return 0;
        }

        @Override
        public long socketsTracked() {
          return 1;
        }

        @Override
        public long programsLoaded() {
          return 1;
        }
      };

  private final InMemorySpanExporter ownSpans = InMemorySpanExporter.create();
  private final InMemoryLogRecordExporter ownLogs = InMemoryLogRecordExporter.create();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final AtomicBoolean ownMetricsOff = new AtomicBoolean();
  private OpenTelemetrySdk own;
  private SwitchingDrops drops;
  private SwitchingCurrentSpan spans;
  private ApplicationOtel otel;

  @BeforeEach
  void ownSdk() {
    own =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(ownSpans)).build())
            .setLoggerProvider(SdkLoggerProvider.builder().addLogRecordProcessor(SimpleLogRecordProcessor.create(ownLogs)).build())
            .build();
    drops = new SwitchingDrops(new OtelDrops(own, "9.9", true, true, 60_000, Set.of()));
    spans = new SwitchingCurrentSpan(new OtelCurrentSpan());
  }

  @AfterEach
  void close() {
    if (otel != null) {
      otel.close();
    }
    own.close();
  }

  private ApplicationOtel watching(Instrumentation inst) {
    ApplicationApi.Settings base =
        new ApplicationApi.Settings("9.9", true, true, 60_000, Set.of(), COUNTS, drops::own, false, false);
    otel = new ApplicationOtel(inst, base, spans, drops, () -> ownMetricsOff.set(true), lines::add);
    return otel;
  }

  /**
   * The application in {@code copy}; each command runs with {@code copy} as the thread's context
   * class loader, as in an application (OpenTelemetry 1.40 finds its context storage through it).
   */
  @SuppressWarnings("unchecked")
  private static Function<String, Object> application(ClassLoader copy) throws ReflectiveOperationException {
    Function<String, Object> app =
        (Function<String, Object>) copy.loadClass(ApplicationUnderTest.class.getName()).getConstructor().newInstance();
    return command -> {
      Thread t = Thread.currentThread();
      ClassLoader before = t.getContextClassLoader();
      t.setContextClassLoader(copy);
      try {
        return app.apply(command);
      } finally {
        t.setContextClassLoader(before);
      }
    };
  }

  /** The application in {@code copy}, with its SDK built ({@code global} or {@code local}), and netdrop bound to it. */
  private Function<String, Object> bound(ClassLoader copy, String sdk) throws ReflectiveOperationException {
    Function<String, Object> app = application(copy);
    app.apply("sdk " + sdk);
    watching(null).watch().seen(copy, API);
    otel.step();
    return app;
  }

  /** Starts a span in the application and has netdrop note it as the socket hooks do. */
  private Object currentSpan(Function<String, Object> app, ClassLoader copy, String name) {
    Object span = app.apply("start " + name);
    otel.watch().seen(copy, ApplicationApiWatch.CONTEXT_STORAGE);
    otel.step();
    Object noted = spans.get();
    assertSame(span, noted, "the socket hooks read the application's current span");
    return noted;
  }

  private static Drop drop(Object span) {
    long now = System.nanoTime();
    return new Drop(
        "NO_SOCKET", "tcp_v4_rcv+0x99", 1, now, now, Instant.now(), "tcp", "ipv4", "127.0.0.1", 0, "127.0.0.1",
        9, "receive", "client", "com.acme.OrderClient", 42, 40, span, now, "netdrop: drop NO_SOCKET");
  }

  @SuppressWarnings("unchecked")
  private static List<String> list(Function<String, Object> app, String what) {
    return (List<String>) app.apply(what);
  }

  @Test
  void dropOnARecordingApplicationSpanBecomesAnEventOnIt() throws Exception {
    ClassLoader copy = ApplicationCopies.current();
    Function<String, Object> app = bound(copy, "local");
    assertEquals(
        List.of("netdrop: OpenTelemetry: drops go onto the application's own spans, through its OpenTelemetry API 1.63.0"),
        lines);

    Object span = currentSpan(app, copy, "work");
    drops.accept(drop(span));
    app.apply("end");

    List<String> exported = list(app, "spans");
    assertEquals(1, exported.size(), exported.toString());
    String work = exported.get(0);
    assertTrue(work.startsWith("name=work "), work);
    assertTrue(work.contains(" event linux.skb.drop {"), work);
    assertTrue(work.contains("linux.skb.drop.reason=NO_SOCKET"), work);
    assertTrue(work.contains("network.peer.port=9"), work);
    assertTrue(work.contains("netdrop.connection.creator=com.acme.OrderClient"), work);
    assertEquals(List.of(), ownSpans.getFinishedSpanItems());
  }

  @Test
  void dropOnAnEndedApplicationSpanBecomesAChildSpanInTheApplicationsGlobalSdk() throws Exception {
    ClassLoader copy = ApplicationCopies.current();
    Function<String, Object> app = bound(copy, "global");
    assertTrue(
        lines.contains("netdrop: OpenTelemetry: the application's GlobalOpenTelemetry takes netdrop's child spans and log records and metrics"),
        lines.toString());
    assertTrue(ownMetricsOff.get(), "netdrop's own metrics are unregistered");

    Object span = currentSpan(app, copy, "work");
    String trace = (String) app.apply("trace");
    String id = (String) app.apply("end");
    drops.accept(drop(span));
    drops.accept(drop(null));

    List<String> exported = list(app, "spans");
    assertEquals(2, exported.size(), exported.toString());
    String child = exported.get(1);
    assertTrue(child.startsWith("name=linux.skb.drop trace=" + trace + " "), child);
    assertTrue(child.contains(" parent=" + id + " scope=io.netdrop "), child);
    assertTrue(child.contains("linux.skb.drop.reason=NO_SOCKET"), child);
    List<String> logs = list(app, "logs");
    assertEquals(1, logs.size(), logs.toString());
    assertTrue(logs.get(0).startsWith("severity=WARN scope=io.netdrop {"), logs.toString());
    assertTrue(list(app, "metrics").contains(TelemetryNames.METRIC_DROPPED + " io.netdrop"), list(app, "metrics").toString());
    assertEquals(List.of(), ownSpans.getFinishedSpanItems());
    assertEquals(List.of(), ownLogs.getFinishedLogRecordItems());
  }

  @Test
  void withoutAGlobalSdkAChildSpanGoesToNetdropsOwnSdkUnderTheApplicationSpan() throws Exception {
    ClassLoader copy = ApplicationCopies.current();
    Function<String, Object> app = bound(copy, "local");

    Object span = currentSpan(app, copy, "work");
    String trace = (String) app.apply("trace");
    String id = (String) app.apply("end");
    drops.accept(drop(span));
    drops.accept(drop(null));

    assertEquals(1, list(app, "spans").size(), "only the application's own span");
    List<SpanData> children = ownSpans.getFinishedSpanItems();
    assertEquals(1, children.size(), children.toString());
    SpanData child = children.get(0);
    assertEquals(TelemetryNames.DROP, child.getName());
    assertEquals(trace, child.getTraceId());
    assertEquals(id, child.getParentSpanId());
    assertEquals("NO_SOCKET", child.getAttributes().get(AttributeKey.stringKey(TelemetryNames.REASON)));
    List<LogRecordData> logs = ownLogs.getFinishedLogRecordItems();
    assertEquals(1, logs.size(), logs.toString());
    assertFalse(ownMetricsOff.get(), "netdrop's own metrics stay");
    assertEquals(List.of(), list(app, "logs"));
  }

  @Test
  void adoptsAGlobalOpenTelemetryRegisteredLaterWithoutEverSettingIt() throws Exception {
    ClassLoader copy = ApplicationCopies.current();
    Function<String, Object> app = bound(copy, "local");
    otel.step();
    drops.accept(drop(null));
    assertEquals(1, ownLogs.getFinishedLogRecordItems().size(), "netdrop's own SDK until then");

    app.apply("register"); // throws if netdrop's look had set the no-op
    drops.accept(drop(null));

    assertEquals(1, list(app, "logs").size(), "checked again before each drop");
    assertEquals(1, ownLogs.getFinishedLogRecordItems().size());
    assertTrue(ownMetricsOff.get());
    assertEquals(2, lines.size(), lines.toString());
  }

  @Test
  void olderApiGetsEventsOnItsSpansAndLeavesWhatItLacksToNetdropsOwnSdk() throws Exception {
    ClassLoader copy = ApplicationCopies.v140();
    Function<String, Object> app = bound(copy, "global");
    assertEquals(
        List.of(
            "netdrop: OpenTelemetry: drops go onto the application's own spans, through its OpenTelemetry API 1.40.0",
            "netdrop: OpenTelemetry: the application's API 1.40.0 lacks LogRecordBuilder.setEventName(String), so"
                + " child spans and log records go to netdrop's own SDK",
            "netdrop: OpenTelemetry: the application's GlobalOpenTelemetry takes netdrop's metrics"),
        lines);

    Object recording = currentSpan(app, copy, "first");
    drops.accept(drop(recording));
    app.apply("end");
    Object ended = app.apply("start second");
    String trace = (String) app.apply("trace");
    String id = (String) app.apply("end");
    drops.accept(drop(ended));
    drops.accept(drop(null));

    List<String> exported = list(app, "spans");
    assertEquals(2, exported.size(), exported.toString());
    assertTrue(exported.get(0).contains(" event linux.skb.drop {"), exported.get(0));
    List<SpanData> children = ownSpans.getFinishedSpanItems();
    assertEquals(1, children.size(), children.toString());
    assertEquals(trace, children.get(0).getTraceId());
    assertEquals(id, children.get(0).getParentSpanId());
    assertEquals(1, ownLogs.getFinishedLogRecordItems().size());
    assertTrue(list(app, "metrics").contains(TelemetryNames.METRIC_DROPPED + " io.netdrop"));
  }

  @Test
  void watchesForAnApiLoadedLaterAndReadsItsSpansFromItsFirstContextUse() throws Exception {
    Instrumentation inst = ByteBuddyAgent.install();
    watching(inst);
    inst.addTransformer(otel.watch()); // no scan: other tests' copies are loaded in this JVM
    otel.begin();
    assertNull(otel.description());

    ClassLoader copy = ApplicationCopies.current();
    Function<String, Object> app = application(copy);
    app.apply("sdk local");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (otel.description() == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals("the application's OpenTelemetry API 1.63.0", otel.description());
    assertSame(OtelCurrentSpan.class, spans.source().getClass(), "netdrop's own until the application uses its context");

    Object span = app.apply("start work");
    Object noted = spans.get();
    assertSame(span, noted, "read from the application's first context use on");
    assertNotSame(OtelCurrentSpan.class, spans.source().getClass());
    app.apply("end");
  }
}
