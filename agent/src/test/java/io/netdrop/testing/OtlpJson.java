package io.netdrop.testing;

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
 * Reads what the {@code logging-otlp} exporters print: one OTLP/JSON export per line (after a log
 * prefix), as plain maps and lists, with helpers for the parts the tests look at.
 */
public final class OtlpJson {
  private static final JsonFactory JSON = new JsonFactory();

  private OtlpJson() {}

  /** The JSON object on {@code line} (from its first '{'), or null if it holds none. */
  public static Map<String, Object> parseLine(String line) {
    int at = line.indexOf('{');
    if (at < 0) {
      return null;
    }
    try (JsonParser p = JSON.createParser(line.substring(at))) {
      p.nextToken();
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) value(p);
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("not OTLP/JSON: " + line, e);
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

  /** Every element of {@code resourceX[].scopeX[].itemKey[]} over the exports on {@code lines}. */
  public static List<Map<String, Object>> items(List<String> lines, String scopeKey, String itemKey) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : lines) {
      if (!line.contains("\"" + scopeKey + "\"")) {
        continue;
      }
      Map<String, Object> export = parseLine(line);
      for (Map<String, Object> scope : list(export.get(scopeKey))) {
        out.addAll(list(scope.get(itemKey)));
      }
    }
    return out;
  }

  /** The metrics of every export on {@code lines}, in order. */
  public static List<Map<String, Object>> metrics(List<String> lines) {
    return items(lines, "scopeMetrics", "metrics");
  }

  /** The log records of every export on {@code lines}, in order. */
  public static List<Map<String, Object>> logRecords(List<String> lines) {
    return items(lines, "scopeLogs", "logRecords");
  }

  /** The spans of every export on {@code lines}, in order. */
  public static List<Map<String, Object>> spans(List<String> lines) {
    return items(lines, "scopeSpans", "spans");
  }

  /** An OTLP attribute list as a map of key to value (string, or long for intValue). */
  public static Map<String, Object> attributes(Object otlpAttributes) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map<String, Object> kv : list(otlpAttributes)) {
      Map<String, Object> v = map(kv.get("value"));
      Object value = v.containsKey("intValue") ? Long.valueOf(String.valueOf(v.get("intValue")))
          : v.containsKey("stringValue") ? v.get("stringValue")
          : v.values().stream().findFirst().orElse(null);
      out.put((String) kv.get("key"), value);
    }
    return out;
  }

  /** The data points of a sum or gauge metric. */
  public static List<Map<String, Object>> points(Map<String, Object> metric) {
    Object data = metric.containsKey("sum") ? metric.get("sum") : metric.get("gauge");
    return list(map(data).get("dataPoints"));
  }

  /** A data point's integer value. */
  public static long asInt(Map<String, Object> point) {
    return Long.parseLong(String.valueOf(point.get("asInt")));
  }

  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> list(Object o) {
    return o == null ? List.of() : (List<Map<String, Object>>) o;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }
}
