package io.netdrop.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.telemetry.otel.DropMetrics;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/telemetry.md documents exactly the names of {@link TelemetryNames}: each attribute with the
 * type a {@link Drop} gives it, each metric with the instrument, unit and description {@link
 * DropMetrics} registers.
 */
class TelemetryDocTest {
  private static final Path DOC =
      Paths.get(System.getProperty("basedir", System.getProperty("user.dir")))
          .resolve("../docs/telemetry.md")
          .normalize();

  /** A client connection's drop, every attribute known. */
  private static final Drop SAMPLE =
      new Drop(
          "SOCKET_RCVBUFF", "tcp_v4_rcv+0x99", 3, 1_000, 2_500, Instant.parse("2026-11-25T16:33:25Z"),
          "tcp", "ipv4", "127.0.0.1", 43850, "127.0.0.1", 8443, "transmit", "client",
          "com.acme.OrderClient", 242260, 40, null, 0, "a line");

  private static String doc;

  @BeforeAll
  static void readDoc() throws IOException {
    assertTrue(Files.isRegularFile(DOC), "missing " + DOC);
    doc = Files.readString(DOC);
  }

  @Test
  void everyNameInTelemetryNamesIsDocumented() throws IllegalAccessException {
    List<String> missing = new ArrayList<>();
    for (Field f : TelemetryNames.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        String name = (String) f.get(null);
        if (!documentedNames().contains(name)) {
          missing.add(f.getName() + " = " + name);
        }
      }
    }
    assertEquals(List.of(), missing, "names in TelemetryNames that no table of " + DOC + " lists");
  }

  @Test
  void documentsTheScope() {
    assertEquals(List.of(TelemetryNames.SCOPE), column(table("scope"), 0));
  }

  @Test
  void everySignalOfADropHasTheDropName() {
    List<List<String>> signals = table("signals");
    assertEquals(List.of("span event", "child span", "log record"), column(signals, 1));
    assertEquals(Set.of(TelemetryNames.DROP), Set.copyOf(column(signals, 0)));
  }

  @Test
  void attributesTableListsExactlyTheDropAttributesInOrder() {
    assertEquals(TelemetryNames.DROP_ATTRIBUTES, column(table("attributes"), 0));
  }

  @Test
  void attributeTypesAndExamplesAreWhatADropCarries() {
    Map<String, Object> actual = SAMPLE.attributes(Set.of());
    assertEquals(TelemetryNames.DROP_ATTRIBUTES, List.copyOf(actual.keySet()), "the sample carries every attribute");
    for (List<String> row : table("attributes")) {
      String name = row.get(0);
      String type = typeOf(actual.get(name));
      assertEquals(type, row.get(1), "type of " + name);
      if (type.equals("int")) {
        Long.parseLong(row.get(2)); // the example is an integer too
      }
      assertFalse(row.get(3).isBlank(), "meaning of " + name);
      assertFalse(row.get(4).isBlank(), "when " + name + " is present");
    }
  }

  @Test
  void metricsTableMatchesTheRegisteredInstruments() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build()) {
      new DropMetrics(provider.get(TelemetryNames.SCOPE), new OneOfEach(), Set.of());
      Map<String, MetricData> registered = new LinkedHashMap<>();
      reader.collectAllMetrics().forEach(m -> registered.put(m.getName(), m));
      List<List<String>> rows = table("metrics");
      assertEquals(new TreeSet<>(registered.keySet()), new TreeSet<>(column(rows, 0)), "metric names");
      for (List<String> row : rows) {
        MetricData m = registered.get(row.get(0));
        assertEquals(instrument(m), row.get(1), "instrument of " + m.getName());
        assertEquals(m.getUnit(), row.get(2), "unit of " + m.getName());
        assertEquals(m.getDescription(), row.get(3), "description of " + m.getName());
        Set<String> keys =
            m.getData().getPoints().stream()
                .flatMap(p -> p.getAttributes().asMap().keySet().stream())
                .map(AttributeKey::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(keys, new TreeSet<>(list(row.get(4))), "attributes of " + m.getName());
      }
    }
  }

  @Test
  void theDroppedMetricsAttributesAreTheMetricAttributes() {
    List<String> documented =
        table("metrics").stream()
            .filter(r -> r.get(0).equals(TelemetryNames.METRIC_DROPPED))
            .map(r -> list(r.get(4)))
            .findFirst()
            .orElseThrow();
    assertEquals(TelemetryNames.METRIC_ATTRIBUTES, documented);
  }

  /** Every series of one listener's drops, health counters at 1. */
  private static final class OneOfEach implements DropCounts {
    @Override
    public Map<Key, Long> dropped() {
      return Map.of(new Key("LISTEN_OVERFLOW", "tcp", "ipv4", 8080), 10L);
    }

    @Override
    public long heldBack() {
      return 1;
    }

    @Override
    public long lost() {
      return 1;
    }

    @Override
    public long socketsTracked() {
      return 1;
    }

    @Override
    public long programsLoaded() {
      return 1;
    }

    @Override
    public Map<String, Long> mapEntries() {
      return Map.of("sockets", 1L);
    }
  }

  private static String instrument(MetricData m) {
    if (m.getType() == MetricDataType.LONG_SUM && m.getLongSumData().isMonotonic()) {
      return "counter";
    }
    if (m.getType() == MetricDataType.LONG_GAUGE) {
      return "gauge";
    }
    return m.getType().toString();
  }

  private static String typeOf(Object value) {
    assertNotNull(value);
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Long) {
      return "int";
    }
    return value.getClass().getSimpleName();
  }

  /** The cells of the table under {@code <!-- TelemetryDocTest: id -->}, header and ruler left out, backticks removed. */
  private static List<List<String>> table(String id) {
    String marker = "<!-- TelemetryDocTest: " + id + " -->";
    int at = doc.indexOf(marker);
    assertTrue(at >= 0, "no " + marker + " in " + DOC);
    List<String> lines = doc.substring(at + marker.length()).strip().lines().collect(Collectors.toList());
    List<List<String>> rows = new ArrayList<>();
    for (int i = 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String line = lines.get(i).strip();
      rows.add(
          Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1))
              .map(c -> c.strip())
              .map(c -> c.matches("`[^`]*`") ? c.substring(1, c.length() - 1) : c)
              .collect(Collectors.toList()));
    }
    assertFalse(rows.isEmpty(), "empty table after " + marker);
    return rows;
  }

  private static List<String> column(List<List<String>> rows, int i) {
    return rows.stream().map(r -> r.get(i)).collect(Collectors.toList());
  }

  /** {@code `a`, `b`} as [a, b]; {@code none} as []. */
  private static List<String> list(String cell) {
    if (cell.equals("none")) {
      return List.of();
    }
    return Arrays.stream(cell.split(",")).map(c -> c.strip().replace("`", "")).collect(Collectors.toList());
  }

  /** Every name and unit the tables hold. */
  private static Set<String> documentedNames() {
    Set<String> names = new TreeSet<>();
    for (String id : List.of("scope", "signals", "attributes")) {
      names.addAll(column(table(id), 0));
    }
    List<List<String>> metrics = table("metrics");
    names.addAll(column(metrics, 0));
    names.addAll(column(metrics, 2));
    for (List<String> row : metrics) {
      names.addAll(list(row.get(4))); // a metric's own attributes (netdrop.map.name)
    }
    return names;
  }
}
