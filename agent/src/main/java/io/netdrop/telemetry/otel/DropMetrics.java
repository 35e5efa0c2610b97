package io.netdrop.telemetry.otel;

import static io.netdrop.telemetry.TelemetryNames.*;

import io.netdrop.telemetry.DropCounts;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.Meter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * netdrop's metrics, each read from {@link DropCounts} when the SDK collects (never counted from
 * events, which the kernel rate-limits): {@value TelemetryNames#METRIC_DROPPED} by reason,
 * transport, network type and a listener's port, and the agent's health.
 */
public final class DropMetrics implements AutoCloseable {
  private static final AttributeKey<String> REASON_KEY = AttributeKey.stringKey(REASON);
  private static final AttributeKey<String> TRANSPORT_KEY = AttributeKey.stringKey(TRANSPORT);
  private static final AttributeKey<String> TYPE_KEY = AttributeKey.stringKey(NETWORK_TYPE);
  private static final AttributeKey<Long> PORT_KEY = AttributeKey.longKey(LOCAL_PORT);
  private static final AttributeKey<String> MAP_KEY = AttributeKey.stringKey(MAP_NAME);

  private final List<AutoCloseable> instruments = new ArrayList<>();

  /** Registers every instrument on {@code meter}; {@code redacted} attribute keys are left out. */
  public DropMetrics(Meter meter, DropCounts counts, Set<String> redacted) {
    instruments.add(
        meter
            .counterBuilder(METRIC_DROPPED)
            .setUnit(UNIT_PACKET)
            .setDescription("Packets of this JVM's sockets the Linux kernel dropped, counted exactly in the kernel, by drop reason")
            .buildWithCallback(
                m -> {
                  for (Map.Entry<DropCounts.Key, Long> e : counts.dropped().entrySet()) {
                    m.record(e.getValue(), attributes(e.getKey(), redacted));
                  }
                }));
    instruments.add(
        meter
            .counterBuilder(METRIC_HELD_BACK)
            .setUnit(UNIT_EVENT)
            .setDescription("Drop events the kernel program's rate limit held back; the drops are still counted")
            .buildWithCallback(m -> m.record(counts.heldBack())));
    instruments.add(
        meter
            .counterBuilder(METRIC_LOST)
            .setUnit(UNIT_EVENT)
            .setDescription("Drop events lost to a full ring buffer; the drops are still counted")
            .buildWithCallback(m -> m.record(counts.lost())));
    instruments.add(
        meter
            .gaugeBuilder(METRIC_SOCKETS)
            .ofLongs()
            .setUnit(UNIT_SOCKET)
            .setDescription("Sockets of this JVM netdrop tracks")
            .buildWithCallback(m -> m.record(counts.socketsTracked())));
    instruments.add(
        meter
            .gaugeBuilder(METRIC_MAP_ENTRIES)
            .ofLongs()
            .setUnit(UNIT_ENTRY)
            .setDescription("Entries in each of netdrop's BPF hash maps, which bound its kernel memory")
            .buildWithCallback(
                m -> counts.mapEntries().forEach((name, n) -> m.record(n, Attributes.of(MAP_KEY, name)))));
    instruments.add(
        meter
            .gaugeBuilder(METRIC_PROGRAMS)
            .ofLongs()
            .setUnit(UNIT_PROGRAM)
            .setDescription("BPF programs netdrop has attached")
            .buildWithCallback(m -> m.record(counts.programsLoaded())));
  }

  static Attributes attributes(DropCounts.Key k, Set<String> redacted) {
    AttributesBuilder b = Attributes.builder();
    if (k.reason() != null && !redacted.contains(REASON)) {
      b.put(REASON_KEY, k.reason());
    }
    if (k.transport() != null && !redacted.contains(TRANSPORT)) {
      b.put(TRANSPORT_KEY, k.transport());
    }
    if (k.networkType() != null && !redacted.contains(NETWORK_TYPE)) {
      b.put(TYPE_KEY, k.networkType());
    }
    if (k.localPort() > 0 && !redacted.contains(LOCAL_PORT)) {
      b.put(PORT_KEY, (long) k.localPort());
    }
    return b.build();
  }

  /** Unregisters the callbacks. */
  @Override
  public void close() {
    for (AutoCloseable i : instruments) {
      try {
        i.close();
      } catch (Exception ignored) {
        // closing a callback never fails in the SDK
      }
    }
  }
}
