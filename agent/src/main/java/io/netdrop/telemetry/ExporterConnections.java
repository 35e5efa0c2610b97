package io.netdrop.telemetry;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * Keeps drops on the telemetry exporters' own connections out of the exported drops. An exporter
 * whose endpoint is down makes a refused connect per export; were each refused connect exported as
 * a log record, its export would fail again and feed itself for as long as the endpoint stays down.
 * Such drops still print on the console and count in the metrics; they are only not exported.
 *
 * <p>The endpoints are read from the standard settings ({@code otel.exporter.otlp[.signal].endpoint},
 * {@code otel.exporter.zipkin.endpoint}) with their defaults (OTLP on localhost:4318 and 4317,
 * Zipkin on localhost:9411). A peer matches by port, and by address where the endpoint names an IP
 * literal or localhost (no name is resolved here).
 */
public final class ExporterConnections implements DropSink {
  private record Endpoint(String host, int port) {}

  private final DropSink delegate;
  private final List<Endpoint> endpoints;

  /** {@code setting} reads an {@code otel.*} setting (system property, else environment), or null. */
  public ExporterConnections(DropSink delegate, Function<String, String> setting) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    List<Endpoint> e = new ArrayList<>();
    add(e, "http://localhost:4318");
    add(e, "http://localhost:4317");
    add(e, "http://localhost:9411");
    for (String name :
        List.of(
            "otel.exporter.otlp.endpoint",
            "otel.exporter.otlp.traces.endpoint",
            "otel.exporter.otlp.metrics.endpoint",
            "otel.exporter.otlp.logs.endpoint",
            "otel.exporter.zipkin.endpoint")) {
      String v = setting.apply(name);
      if (v != null) {
        add(e, v.strip());
      }
    }
    this.endpoints = List.copyOf(e);
  }

  private static void add(List<Endpoint> out, String url) {
    try {
      URI u = URI.create(url);
      if (u.getHost() == null) {
        return;
      }
      int port = u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
      out.add(new Endpoint(u.getHost().toLowerCase(Locale.ROOT).replaceAll("^\\[|\\]$", ""), port));
    } catch (IllegalArgumentException ignored) {
      // autoconfigure reports a malformed endpoint itself
    }
  }

  /** Whether the drop's peer is one of the exporters' endpoints. */
  public boolean isExporterConnection(Drop d) {
    if (d.peerPort() <= 0) {
      return false;
    }
    for (Endpoint e : endpoints) {
      if (e.port() == d.peerPort() && hostMatches(e.host(), d.peerAddress())) {
        return true;
      }
    }
    return false;
  }

  private static boolean hostMatches(String host, String address) {
    if (address == null) {
      return true;
    }
    if (host.equals("localhost")) {
      return address.startsWith("127.") || address.equals("::1");
    }
    boolean literal = host.matches("[0-9.]+") || host.contains(":");
    return !literal || host.equals(address.toLowerCase(Locale.ROOT));
  }

  @Override
  public void accept(Drop drop) {
    if (!isExporterConnection(drop)) {
      delegate.accept(drop);
    }
  }

  @Override
  public void close() {
    delegate.close();
  }
}
