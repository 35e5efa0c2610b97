package io.netdrop.telemetry.otel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.config.NetdropConfig;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
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
}
