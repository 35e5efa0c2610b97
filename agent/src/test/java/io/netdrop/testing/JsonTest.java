package io.netdrop.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void readsObjectsArraysAndScalarsInDocumentOrder() {
    Object value = Json.parse(" {\"b\": [1, -2.5e1, true, false, null], \"a\": {\"s\": \"x\"}, \"e\": {}, \"l\": []} ");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("b", Arrays.asList(1L, -25.0, true, false, null));
    expected.put("a", Map.of("s", "x"));
    expected.put("e", Map.of());
    expected.put("l", List.of());
    assertEquals(expected, value);
    assertEquals(List.of("b", "a", "e", "l"), List.copyOf(((Map<?, ?>) value).keySet()));
  }

  @Test
  void readsStringEscapes() {
    assertEquals("q\" b\\ s/ \b\f\n\r\t é", Json.parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9\""));
  }

  @Test
  void readsAnOtlpAttributeAsTheLoggingExporterPrintsIt() {
    Map<?, ?> attribute = (Map<?, ?>) Json.parse("{\"key\":\"network.peer.port\",\"value\":{\"intValue\":\"36247\"}}");
    assertEquals("network.peer.port", attribute.get("key"));
    assertEquals(Map.of("intValue", "36247"), attribute.get("value"));
  }

  @Test
  void rejectsMalformedTextNamingTheOffset() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": [1, 2}"));
    assertTrue(e.getMessage().startsWith("malformed JSON at offset 11: "), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("\"open"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse(""));
  }
}
