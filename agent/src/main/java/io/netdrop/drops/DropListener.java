package io.netdrop.drops;

/** Receives each drop event read from the kernel, on the reader thread. */
@FunctionalInterface
public interface DropListener {
  /**
   * Called once per event. {@code event} is reused for the next one: copy what must outlive the
   * call. Must not block for long: the reader thread drains the ring buffer.
   */
  void onDrop(DropEvent event);
}
