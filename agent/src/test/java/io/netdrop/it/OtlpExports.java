package io.netdrop.it;

import io.netdrop.testing.OtlpJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The spans and log records the OpenTelemetry Java agent's {@code logging-otlp} exporters printed
 * (read by {@link OtlpJson}), as records with the fields OtelAgentIT looks at. Attribute values
 * are their text ({@code intValue} 42 is "42").
 */
final class OtlpExports {
  /** OTLP span kinds, as numbers in OTLP/JSON. */
  static final long SERVER = 2;
  static final long CLIENT = 3;

  record Event(String name, Map<String, String> attributes) {}

  record Span(
      String traceId, String spanId, String parentSpanId, String name, long kind, Map<String, String> attributes,
      List<Event> events) {}

  record LogRecord(String traceId, String spanId, String body, Map<String, String> attributes) {}

  final List<Span> spans = new ArrayList<>();
  final List<LogRecord> logs = new ArrayList<>();

  /** Reads every export among {@code lines}; other lines are skipped. */
  static OtlpExports read(List<String> lines) {
    List<String> exports = lines.stream().filter(l -> l.contains("OtlpJsonLogging")).collect(Collectors.toList());
    OtlpExports read = new OtlpExports();
    for (Map<String, Object> span : OtlpJson.spans(exports)) {
      List<Event> events = new ArrayList<>();
      for (Map<String, Object> e : OtlpJson.list(span.get("events"))) {
        events.add(new Event(text(e.get("name")), attributes(e.get("attributes"))));
      }
      read.spans.add(
          new Span(
              text(span.get("traceId")),
              text(span.get("spanId")),
              text(span.get("parentSpanId")),
              text(span.get("name")),
              span.get("kind") instanceof Number n ? n.longValue() : 0,
              attributes(span.get("attributes")),
              events));
    }
    for (Map<String, Object> record : OtlpJson.logRecords(exports)) {
      Object body = OtlpJson.map(record.get("body")).get("stringValue");
      read.logs.add(
          new LogRecord(
              text(record.get("traceId")), text(record.get("spanId")), text(body), attributes(record.get("attributes"))));
    }
    return read;
  }

  /** Spans of one trace. */
  List<Span> trace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).collect(Collectors.toList());
  }

  private static Map<String, String> attributes(Object otlpAttributes) {
    Map<String, String> text = new LinkedHashMap<>();
    OtlpJson.attributes(otlpAttributes).forEach((k, v) -> text.put(k, text(v)));
    return text;
  }

  private static String text(Object o) {
    return o == null ? "" : o.toString();
  }
}
