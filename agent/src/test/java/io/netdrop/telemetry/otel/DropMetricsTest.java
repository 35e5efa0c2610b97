package io.netdrop.telemetry.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.telemetry.DropCounts;
import io.netdrop.telemetry.TelemetryNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DropMetricsTest {
  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private final SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
  private final Map<DropCounts.Key, Long> dropped = new HashMap<>();
  private final DropCounts counts =
      new DropCounts() {
        @Override
        public Map<Key, Long> dropped() {
          return dropped;
        }

        @Override
        public long heldBack() {
          return 75;
        }

        @Override
        public long lost() {
          return 0;
        }

        @Override
        public long socketsTracked() {
          return 12;
        }

        @Override
        public long programsLoaded() {
          return 7;
        }
      };

  private MetricData metric(Collection<MetricData> all, String name) {
    return all.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + all));
  }

  @Test
  void droppedPacketsIsAMonotonicCounterOfTheKernelCountsByReasonTransportTypeAndListenerPort() {
    new DropMetrics(provider.get("io.netdrop"), counts, Set.of());
    dropped.put(new DropCounts.Key("SOCKET_RCVBUFF", "udp", "ipv4", 9999), 545L);
    dropped.put(new DropCounts.Key("NO_SOCKET", "tcp", "ipv4", 0), 18L);
    MetricData m = metric(reader.collectAllMetrics(), TelemetryNames.METRIC_DROPPED);
    assertEquals("{packet}", m.getUnit());
    assertTrue(m.getDescription().contains("exactly in the kernel"), m.getDescription());
    assertTrue(m.getLongSumData().isMonotonic());
    Map<Attributes, Long> points = new HashMap<>();
    for (LongPointData p : m.getLongSumData().getPoints()) {
      points.put(p.getAttributes(), p.getValue());
    }
    assertEquals(
        Map.of(
            Attributes.of(
                AttributeKey.stringKey(TelemetryNames.REASON), "SOCKET_RCVBUFF",
                AttributeKey.stringKey(TelemetryNames.TRANSPORT), "udp",
                AttributeKey.stringKey(TelemetryNames.NETWORK_TYPE), "ipv4",
                AttributeKey.longKey(TelemetryNames.LOCAL_PORT), 9999L),
            545L,
            Attributes.of(
                AttributeKey.stringKey(TelemetryNames.REASON), "NO_SOCKET",
                AttributeKey.stringKey(TelemetryNames.TRANSPORT), "tcp",
                AttributeKey.stringKey(TelemetryNames.NETWORK_TYPE), "ipv4"),
            18L),
        points);
  }

  @Test
  void healthIsExportedWithUnits() {
    new DropMetrics(provider.get("io.netdrop"), counts, Set.of());
    Collection<MetricData> all = reader.collectAllMetrics();
    assertEquals(75L, metric(all, TelemetryNames.METRIC_HELD_BACK).getLongSumData().getPoints().iterator().next().getValue());
    assertEquals("{event}", metric(all, TelemetryNames.METRIC_LOST).getUnit());
    assertEquals(12L, metric(all, TelemetryNames.METRIC_SOCKETS).getLongGaugeData().getPoints().iterator().next().getValue());
    assertEquals(7L, metric(all, TelemetryNames.METRIC_PROGRAMS).getLongGaugeData().getPoints().iterator().next().getValue());
  }

  @Test
  void redactedKeysAreLeftOutOfTheSeries() {
    new DropMetrics(provider.get("io.netdrop"), counts, Set.of(TelemetryNames.LOCAL_PORT));
    dropped.put(new DropCounts.Key("SOCKET_RCVBUFF", "udp", "ipv4", 9999), 5L);
    LongPointData p = metric(reader.collectAllMetrics(), TelemetryNames.METRIC_DROPPED).getLongSumData().getPoints().iterator().next();
    assertEquals(null, p.getAttributes().get(AttributeKey.longKey(TelemetryNames.LOCAL_PORT)));
  }
}
