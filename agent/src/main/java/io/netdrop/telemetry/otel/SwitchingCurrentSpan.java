package io.netdrop.telemetry.otel;

import io.netdrop.sockets.CurrentSpan;
import java.util.Objects;

/**
 * The current span of netdrop's own API copy until {@link #switchTo} names another source (the
 * application's own API copy). One volatile read per call on top of the source's cost. A source
 * that throws is dropped for good: the socket hooks never see an exception.
 */
final class SwitchingCurrentSpan implements CurrentSpan {
  private static final CurrentSpan NONE = () -> null;

  private volatile CurrentSpan source;

  SwitchingCurrentSpan(CurrentSpan initial) {
    this.source = Objects.requireNonNull(initial, "initial");
  }

  void switchTo(CurrentSpan next) {
    this.source = Objects.requireNonNull(next, "next");
  }

  CurrentSpan source() {
    return source;
  }

  @Override
  public Object get() {
    CurrentSpan s = source;
    try {
      return s.get();
    } catch (RuntimeException | LinkageError e) {
      source = NONE;
      return null;
    }
  }

  @Override
  public Object settle(Object span) {
    CurrentSpan s = source;
    try {
      return s.settle(span);
    } catch (RuntimeException | LinkageError e) {
      return span; // a span of the source before the switch, or a source that broke: kept as is
    }
  }

  @Override
  public boolean same(Object a, Object b) {
    CurrentSpan s = source;
    try {
      return s.same(a, b);
    } catch (RuntimeException | LinkageError e) {
      source = NONE;
      return a == b;
    }
  }
}
