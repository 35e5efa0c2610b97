package io.netdrop.it;

import io.netdrop.testing.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The spans and log records the OpenTelemetry Java agent's {@code logging-otlp} exporters printed:
 * one OTLP/JSON export request per line ({@code {"resource":..,"scopeSpans":[..]}} or {@code
 * "scopeLogs"}), after a log prefix that ends with the exporter's class name and {@code " - "}.
 * Attribute values are kept as the text of their one OTLP value ({@code intValue} is a string in
 * OTLP/JSON already).
 */
final class OtlpExports {
  private static final String SPANS = "OtlpJsonLoggingSpanExporter - ";
  private static final String LOGS = "OtlpJsonLoggingLogRecordExporter - ";

  /** OTLP span kinds, as numbers in OTLP/JSON. */
  static final long SERVER = 2;
  static final long CLIENT = 3;

  record Event(String name, Map<String, String> attributes) {}

  record Span(
      String scope, String traceId, String spanId, String parentSpanId, String name, long kind,
      Map<String, String> attributes, List<Event> events) {}

  record LogRecord(String scope, String traceId, String spanId, String body, Map<String, String> attributes) {}

  final List<Span> spans = new ArrayList<>();
  final List<LogRecord> logs = new ArrayList<>();

  /** Reads every export among {@code lines}; other lines are skipped. */
  static OtlpExports read(List<String> lines) {
    OtlpExports exports = new OtlpExports();
    for (String line : lines) {
      int spans = line.indexOf(SPANS);
      int logs = line.indexOf(LOGS);
      if (spans >= 0) {
        exports.readSpans(object(Json.parse(line.substring(spans + SPANS.length()))));
      } else if (logs >= 0) {
        exports.readLogs(object(Json.parse(line.substring(logs + LOGS.length()))));
      }
    }
    return exports;
  }

  /** Spans of one trace. */
  List<Span> trace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).collect(Collectors.toList());
  }

  private void readSpans(Map<String, Object> resourceSpans) {
    for (Object scopeSpans : list(resourceSpans.get("scopeSpans"))) {
      String scope = scopeName(object(scopeSpans));
      for (Object s : list(object(scopeSpans).get("spans"))) {
        Map<String, Object> span = object(s);
        List<Event> events = new ArrayList<>();
        for (Object e : list(span.get("events"))) {
          events.add(new Event(text(object(e).get("name")), attributes(object(e).get("attributes"))));
        }
        spans.add(
            new Span(
                scope,
                text(span.get("traceId")),
                text(span.get("spanId")),
                text(span.get("parentSpanId")),
                text(span.get("name")),
                span.get("kind") == null ? 0 : ((Number) span.get("kind")).longValue(),
                attributes(span.get("attributes")),
                events));
      }
    }
  }

  private void readLogs(Map<String, Object> resourceLogs) {
    for (Object scopeLogs : list(resourceLogs.get("scopeLogs"))) {
      String scope = scopeName(object(scopeLogs));
      for (Object r : list(object(scopeLogs).get("logRecords"))) {
        Map<String, Object> record = object(r);
        logs.add(
            new LogRecord(
                scope,
                text(record.get("traceId")),
                text(record.get("spanId")),
                record.get("body") == null ? "" : value(record.get("body")),
                attributes(record.get("attributes"))));
      }
    }
  }

  private static String scopeName(Map<String, Object> scoped) {
    Object scope = scoped.get("scope");
    return scope == null ? "" : text(object(scope).get("name"));
  }

  private static Map<String, String> attributes(Object keyValues) {
    Map<String, String> attributes = new LinkedHashMap<>();
    for (Object kv : list(keyValues)) {
      attributes.put(text(object(kv).get("key")), value(object(kv).get("value")));
    }
    return attributes;
  }

  /** The text of an OTLP AnyValue: {"stringValue":"x"} is x, {"intValue":"42"} is 42; others as JSON-ish text. */
  private static String value(Object anyValue) {
    Map<String, Object> value = object(anyValue);
    return value.isEmpty() ? "" : String.valueOf(value.values().iterator().next());
  }

  private static String text(Object o) {
    return o == null ? "" : o.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object o) {
    return o instanceof Map ? (Map<String, Object>) o : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o instanceof List ? (List<Object>) o : List.of();
  }
}
