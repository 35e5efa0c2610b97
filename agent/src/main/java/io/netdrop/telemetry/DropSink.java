package io.netdrop.telemetry;

/** Receives each reported drop (a single drop or a folded burst), on the drop reader's thread. */
@FunctionalInterface
public interface DropSink {
  /** Must not block for long and should not throw: the reader thread drains the ring buffer. */
  void accept(Drop drop);

  /** Called once when netdrop stops, after the last drop: flush what is buffered. */
  default void close() {}
}
