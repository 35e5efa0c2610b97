package io.netdrop.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class AgentLoggingTest {
  @Test
  void heldMessagesAreWrittenWhenTheWorkReturns() {
    List<String> written = new ArrayList<>();
    String result =
        AgentLogging.holdingMessages(
            () -> {
              assertTrue(AgentLogging.held(() -> written.add("closing")));
              assertEquals(List.of(), written, "held, not written yet");
              return "sdk";
            });
    assertEquals("sdk", result);
    assertEquals(List.of("closing"), written);
    assertFalse(AgentLogging.held(() -> written.add("later")), "nothing is held outside the scope");
  }

  @Test
  void heldMessagesAreDroppedWhenTheWorkThrows() {
    List<String> written = new ArrayList<>();
    assertThrows(
        IllegalStateException.class,
        () ->
            AgentLogging.holdingMessages(
                () -> {
                  AgentLogging.held(() -> written.add("closing partially configured components"));
                  throw new IllegalStateException("invalid");
                }));
    assertEquals(List.of(), written);
    assertFalse(AgentLogging.held(() -> written.add("later")));
  }

  @Test
  void anInnerScopeHandsItsMessagesToTheOuterOne() {
    List<String> written = new ArrayList<>();
    assertThrows(
        IllegalStateException.class,
        () ->
            AgentLogging.holdingMessages(
                () -> {
                  AgentLogging.holdingMessages(() -> AgentLogging.held(() -> written.add("inner")));
                  throw new IllegalStateException("outer fails");
                }));
    assertEquals(List.of(), written);
  }

  @Test
  void configurationBeginsEveryLineWithNetdropAndKeepsTheLoggingExportersOn() throws IOException {
    Properties p = new Properties();
    p.load(new ByteArrayInputStream(AgentLogging.properties("ERROR")));
    assertEquals("error", p.getProperty("org.slf4j.simpleLogger.defaultLogLevel"));
    assertEquals("'netdrop:'", p.getProperty("org.slf4j.simpleLogger.dateTimeFormat"));
    assertEquals("true", p.getProperty("org.slf4j.simpleLogger.showDateTime"));
    assertEquals("info", p.getProperty("org.slf4j.simpleLogger.log.io.opentelemetry.exporter.logging"));
    assertEquals("System.err", p.getProperty("org.slf4j.simpleLogger.logFile"));
  }

  @Test
  void rejectsAnUnknownLevel() {
    assertThrows(IllegalArgumentException.class, () -> AgentLogging.properties("loud"));
  }

  @Test
  void formatsParametersAsJavaUtilLoggingDoes() {
    assertEquals("Failed to export spans: 503", PatchLogger.format("Failed to export {0}: {1}", new Object[] {"spans", 503}));
    assertEquals("{\"a\":{0}}", PatchLogger.format("{\"a\":{0}}", null), "no parameters: as it is");
    assertEquals("{json}", PatchLogger.format("{json}", new Object[] {"x"}), "no {0}: as it is");
  }
}
