package io.netdrop.telemetry.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.config.NetdropConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtelTelemetryTest {
  @Test
  void withoutTheOtelJavaAgentTheHooksReadNoSpanFromNetdropsOwnApiCopy() {
    List<String> log = new ArrayList<>();
    assertFalse(OtelTelemetry.otelJavaAgentPresent());
    OtelTelemetry telemetry =
        OtelTelemetry.start(NetdropConfig.load(null, Map.of(), Map.of()), "test", "1", null, log::add);
    try (SdkTracerProvider tracers = SdkTracerProvider.builder().build()) {
      Span span = tracers.get("test").spanBuilder("request").startSpan();
      try (Scope ignored = span.makeCurrent()) {
        // Nobody but that agent makes spans current in this copy: reading it would be pure cost.
        assertNull(telemetry.currentSpan().get());
      } finally {
        span.end();
      }
    } finally {
      telemetry.close();
    }
    assertTrue(log.isEmpty(), log.toString());
  }

  @Test
  void everyExporterNoneBuildsNoSdk() {
    assertTrue(EmbeddedSdk.exportsNothing(Map.<String, String>of()::get), "netdrop's default: none");
    assertTrue(EmbeddedSdk.exportsNothing(Map.of(
        "otel.traces.exporter", "none", "otel.metrics.exporter", " none ", "otel.logs.exporter", "none,none")::get));
    assertFalse(EmbeddedSdk.exportsNothing(Map.of("otel.metrics.exporter", "logging")::get));
    assertFalse(EmbeddedSdk.exportsNothing(Map.of("otel.logs.exporter", "none,otlp")::get));
    assertFalse(EmbeddedSdk.exportsNothing(Map.of("otel.config.file", "/etc/otel.yaml")::get),
        "left to autoconfigure, which says it cannot read one");

    List<String> log = new ArrayList<>();
    OtelTelemetry telemetry =
        OtelTelemetry.start(NetdropConfig.load(null, Map.of(), Map.of()), "test", "1", null, log::add);
    try {
      assertSame(OpenTelemetry.noop(), telemetry.openTelemetry());
      assertEquals("OpenTelemetry exporters traces=none metrics=none logs=none", telemetry.description());
    } finally {
      telemetry.close();
    }
    assertTrue(log.isEmpty(), log.toString());
  }

  @Test
  void anExporterSetBuildsTheEmbeddedSdk() {
    String old = System.getProperty("otel.metrics.exporter");
    System.setProperty("otel.metrics.exporter", "logging");
    List<String> log = new ArrayList<>();
    OtelTelemetry telemetry = null;
    try {
      telemetry = OtelTelemetry.start(NetdropConfig.load(null, Map.of(), Map.of()), "test", "1", null, log::add);
      assertInstanceOf(OpenTelemetrySdk.class, telemetry.openTelemetry());
      assertEquals("OpenTelemetry exporters traces=none metrics=logging logs=none", telemetry.description());
    } finally {
      if (telemetry != null) {
        telemetry.close();
      }
      if (old == null) {
        System.clearProperty("otel.metrics.exporter");
      } else {
        System.setProperty("otel.metrics.exporter", old);
      }
    }
    assertTrue(log.isEmpty(), log.toString());
  }
}
