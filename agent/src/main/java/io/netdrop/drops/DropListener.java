package io.netdrop.drops;

/** Receives each drop event read from the kernel, on the reader thread. */
@FunctionalInterface
public interface DropListener {
  /**
   * Called once per event. {@code event} is reused for the next one: copy what must outlive the
   * call. Must not block for long: the reader thread drains the ring buffer.
   */
  void onDrop(DropEvent event);

  /**
   * Called on the reader thread after each poll of the ring buffer (at least every 100 ms), with
   * the CLOCK_MONOTONIC time, for work that is due by time rather than by event.
   */
  default void tick(long nowNanos) {}
}
