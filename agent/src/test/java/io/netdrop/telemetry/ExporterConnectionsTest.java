package io.netdrop.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExporterConnectionsTest {
  private final List<Drop> passed = new ArrayList<>();

  private static Drop toPeer(String address, int port) {
    Drop d = TestDrops.drop("NO_SOCKET", 1, null, 0);
    return new Drop(
        d.reason(), d.location(), 1, 1, 1, d.firstTime(), "tcp", "ipv4", "127.0.0.1", 40000,
        address, port, "transmit", "client", null, 1, 60, null, 0, "line");
  }

  private ExporterConnections filter(Map<String, String> settings) {
    return new ExporterConnections(passed::add, settings::get);
  }

  @Test
  void refusedConnectsToTheDefaultOtlpEndpointAreNotExportedSoADownCollectorCannotFeedItself() {
    ExporterConnections f = filter(Map.of());
    f.accept(toPeer("127.0.0.1", 4318));
    f.accept(toPeer("::1", 4317));
    assertTrue(passed.isEmpty());
    f.accept(toPeer("127.0.0.1", 8443));
    assertEquals(1, passed.size());
  }

  @Test
  void configuredEndpointsAreRecognisedByAddressAndPort() {
    ExporterConnections f =
        filter(Map.of("otel.exporter.otlp.logs.endpoint", "http://127.0.0.7:1234/v1/logs", "otel.exporter.otlp.endpoint", "http://collector:5555"));
    assertTrue(f.isExporterConnection(toPeer("127.0.0.7", 1234)));
    assertFalse(f.isExporterConnection(toPeer("127.0.0.8", 1234)), "another address on that port");
    assertTrue(f.isExporterConnection(toPeer("10.1.2.3", 5555)), "a host name matches by port");
  }

  @Test
  void malformedEndpointIsIgnored() {
    ExporterConnections f = filter(Map.of("otel.exporter.otlp.endpoint", "::not a url"));
    f.accept(toPeer("127.0.0.1", 8443));
    assertEquals(1, passed.size());
  }
}
