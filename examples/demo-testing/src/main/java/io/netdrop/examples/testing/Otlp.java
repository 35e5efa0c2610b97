package io.netdrop.examples.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the OpenTelemetry {@code logging-otlp} exporters printed: one OTLP/JSON export per line,
 * after a log prefix. Spans, log records and metrics as plain maps, with their attributes flattened.
 */
public final class Otlp {
  private static final JsonFactory JSON = new JsonFactory();

  /** One exported span. */
  public record Span(
      String scope, String traceId, String spanId, String parentSpanId, String name,
      Map<String, Object> attributes, List<Event> events) {}

  /** One span event. */
  public record Event(String name, Map<String, Object> attributes) {}

  /** One exported log record. */
  public record LogRecord(String scope, String eventName, String traceId, Map<String, Object> attributes) {}

  /** One data point of a sum metric, as of its last export. */
  public record Point(String metric, String unit, Map<String, Object> attributes, long value) {}

  private final List<Span> spans = new ArrayList<>();
  private final List<LogRecord> logs = new ArrayList<>();
  private final List<Map<String, Object>> metricExports = new ArrayList<>();

  private Otlp() {}

  /** Reads every export on {@code lines}; other lines are skipped. */
  public static Otlp parse(List<String> lines) {
    Otlp o = new Otlp();
    for (String line : lines) {
      int at = line.indexOf("{\"resource\"");
      if (at < 0) {
        continue;
      }
      Map<String, Object> export = map(parse(line.substring(at)));
      for (Map<String, Object> scope : list(export.get("scopeSpans"))) {
        String name = String.valueOf(map(scope.get("scope")).get("name"));
        for (Map<String, Object> s : list(scope.get("spans"))) {
          List<Event> events = new ArrayList<>();
          for (Map<String, Object> e : list(s.get("events"))) {
            events.add(new Event((String) e.get("name"), attributes(e.get("attributes"))));
          }
          o.spans.add(new Span(name, (String) s.get("traceId"), (String) s.get("spanId"),
              (String) s.get("parentSpanId"), (String) s.get("name"), attributes(s.get("attributes")), events));
        }
      }
      for (Map<String, Object> scope : list(export.get("scopeLogs"))) {
        String name = String.valueOf(map(scope.get("scope")).get("name"));
        for (Map<String, Object> r : list(scope.get("logRecords"))) {
          o.logs.add(new LogRecord(name, (String) r.get("eventName"), (String) r.get("traceId"),
              attributes(r.get("attributes"))));
        }
      }
      for (Map<String, Object> scope : list(export.get("scopeMetrics"))) {
        o.metricExports.addAll(list(scope.get("metrics")));
      }
    }
    return o;
  }

  public List<Span> spans() {
    return spans;
  }

  public List<LogRecord> logs() {
    return logs;
  }

  /** The data points of the last export of the cumulative sum {@code name}. */
  public List<Point> lastPoints(String name) {
    Map<String, Object> last = null;
    for (Map<String, Object> m : metricExports) {
      if (name.equals(m.get("name"))) {
        last = m;
      }
    }
    List<Point> out = new ArrayList<>();
    if (last != null) {
      for (Map<String, Object> p : list(map(last.get("sum")).get("dataPoints"))) {
        out.add(new Point(name, (String) last.get("unit"), attributes(p.get("attributes")),
            Long.parseLong(String.valueOf(p.get("asInt")))));
      }
    }
    return out;
  }

  /** An OTLP attribute list as key to value (String, Long, Boolean or Double). */
  static Map<String, Object> attributes(Object otlp) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map<String, Object> kv : list(otlp)) {
      Map<String, Object> v = map(kv.get("value"));
      Object value = v.containsKey("intValue") ? Long.valueOf(String.valueOf(v.get("intValue")))
          : v.containsKey("stringValue") ? v.get("stringValue")
          : v.values().stream().findFirst().orElse(null);
      out.put((String) kv.get("key"), value);
    }
    return out;
  }

  private static Object parse(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      return value(p);
    } catch (IOException e) {
      throw new UncheckedIOException("not OTLP/JSON: " + json, e);
    }
  }

  private static Object value(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() != JsonToken.END_OBJECT) {
          String name = p.currentName();
          p.nextToken();
          m.put(name, value(p));
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          l.add(value(p));
        }
        return l;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return true;
      case VALUE_FALSE:
        return false;
      default:
        return null;
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return o instanceof List ? (List<Map<String, Object>>) o : List.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map ? (Map<String, Object>) o : Map.of();
  }
}
