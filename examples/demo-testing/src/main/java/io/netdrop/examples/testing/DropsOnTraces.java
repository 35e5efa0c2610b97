package io.netdrop.examples.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The drops netdrop wrote into traces: span events and child spans named {@code linux.skb.drop}. */
public final class DropsOnTraces {
  /** The name of netdrop's span event, child span and log record. */
  public static final String DROP = "linux.skb.drop";

  /** A drop on a trace: on span {@code spanName}, as an event ({@code childSpan} false) or a child span. */
  public record TraceDrop(String traceId, String spanName, boolean childSpan, Map<String, Object> attributes) {
    public String reason() {
      return String.valueOf(attributes.get("linux.skb.drop.reason"));
    }

    public long count() {
      Object c = attributes.get("linux.skb.drop.count");
      return c instanceof Long n ? n : 1;
    }
  }

  private DropsOnTraces() {}

  /** Every drop on the trace {@code traceId}. */
  public static List<TraceDrop> of(Otlp otlp, String traceId) {
    List<TraceDrop> out = new ArrayList<>();
    for (Otlp.Span s : otlp.spans()) {
      if (!traceId.equals(s.traceId())) {
        continue;
      }
      if (DROP.equals(s.name()) && "io.netdrop".equals(s.scope())) {
        out.add(new TraceDrop(traceId, parentName(otlp, s), true, s.attributes()));
      }
      for (Otlp.Event e : s.events()) {
        if (DROP.equals(e.name())) {
          out.add(new TraceDrop(traceId, s.name(), false, e.attributes()));
        }
      }
    }
    return out;
  }

  private static String parentName(Otlp otlp, Otlp.Span child) {
    for (Otlp.Span s : otlp.spans()) {
      if (s.spanId().equals(child.parentSpanId())) {
        return s.name();
      }
    }
    return "?";
  }
}
