package io.netdrop.examples.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void defaultsRunThreeBoundedRoundsAndExit() {
    DemoOptions options = DemoOptions.parse();

    assertEquals(3, options.rounds());
    assertFalse(options.serve());
    assertEquals("auto", options.transport());
    assertEquals(9, options.closedPort());
    assertEquals(Duration.ofSeconds(2), options.hold());
  }

  @Test
  void readsEveryOption() {
    DemoOptions options =
        DemoOptions.parse(
            "--rounds", "5", "--serve", "--interval-ms", "250", "--transport", "nio",
            "--closed-port", "19", "--connects", "4", "--datagrams", "10",
            "--datagram-size", "100", "--hold-ms", "300");

    assertEquals(
        new DemoOptions(5, true, Duration.ofMillis(250), "nio", 19, 4, 10, 100,
            Duration.ofMillis(300)),
        options);
  }

  @Test
  void rejectsUnknownOptionNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse("--flood", "1"));
    assertTrue(e.getMessage().startsWith("unknown option --flood"), e.getMessage());
  }

  @Test
  void rejectsMissingValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse("--rounds"));
    assertTrue(e.getMessage().startsWith("missing value after --rounds"), e.getMessage());
  }

  @Test
  void rejectsOutOfRangeAndNonNumericValues() {
    IllegalArgumentException port =
        assertThrows(
            IllegalArgumentException.class, () -> DemoOptions.parse("--closed-port", "0"));
    assertEquals("--closed-port must be between 1 and 65535, got 0", port.getMessage());
    IllegalArgumentException rounds =
        assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse("--rounds", "x"));
    assertEquals("--rounds needs a whole number, got 'x'", rounds.getMessage());
  }

  @Test
  void rejectsUnknownTransport() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> DemoOptions.parse("--transport", "kqueue"));
    assertEquals("--transport must be auto, epoll or nio, got 'kqueue'", e.getMessage());
  }
}
