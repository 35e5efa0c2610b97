package io.netdrop.telemetry.otel;

import io.netdrop.telemetry.Drop;
import io.netdrop.telemetry.DropSink;
import io.opentelemetry.api.trace.Span;
import java.util.Objects;

/**
 * The drop sink {@link OtelTelemetry} hands out: netdrop's own {@link OtelDrops} until {@link
 * #switchTo} names the application's, which from then on takes every drop but those on a span of
 * netdrop's own API copy. The application's side gives back, through {@link #own}, what its SDK
 * cannot take.
 */
final class SwitchingDrops implements DropSink {
  private final OtelDrops own;
  private volatile DropSink application;

  SwitchingDrops(OtelDrops own) {
    this.own = Objects.requireNonNull(own, "own");
  }

  void switchTo(DropSink applicationDrops) {
    this.application = Objects.requireNonNull(applicationDrops, "applicationDrops");
  }

  @Override
  public void accept(Drop drop) {
    DropSink app = application;
    if (app == null || drop.span() instanceof Span) {
      own(drop);
    } else {
      app.accept(drop);
    }
  }

  /** Writes to netdrop's own SDK; a span given as {@link SpanIds} is the parent of a child span. */
  void own(Drop drop) {
    own.accept(drop.span() instanceof SpanIds ids ? SpanIds.withSpan(drop, ids.asSpan()) : drop);
  }

  @Override
  public void close() {
    own.close();
  }
}
