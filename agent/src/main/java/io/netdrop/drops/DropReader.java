package io.netdrop.drops;

import io.netdrop.bpf.RecordHandler;
import io.netdrop.bpf.RingBuffer;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The one thread that moves drop events from the kernel's ring buffer to a {@link DropListener}.
 *
 * <p>The kernel wakes it only when enough data is waiting (see {@code wakeup_bytes}), so it also
 * polls on a short timeout. Records are decoded into one reused {@link DropEvent}: no allocation
 * per event on this path.
 */
public final class DropReader implements AutoCloseable {
  private static final int POLL_MILLIS = 100;

  private final RingBuffer ring;
  private final DropListener listener;
  private final Consumer<String> errors;
  private final DropEvent event = new DropEvent();
  private final RecordHandler handler = this::onRecord;
  private final Thread thread;
  private volatile boolean running = true;

  public DropReader(RingBuffer ring, DropListener listener, Consumer<String> errors) {
    this.ring = ring;
    this.listener = listener;
    this.errors = errors;
    this.thread = new Thread(this::run, "netdrop-reader");
    this.thread.setDaemon(true);
  }

  /** Starts the reader thread. */
  public void start() {
    thread.start();
  }

  private void run() {
    while (running) {
      try {
        ring.poll(POLL_MILLIS, handler);
      } catch (RuntimeException e) {
        if (running) {
          errors.accept("drop reader stopped: " + e.getMessage());
        }
        return;
      }
      try {
        listener.tick(System.nanoTime());
      } catch (RuntimeException e) {
        errors.accept("drop listener failed: " + e);
      }
    }
  }

  private void onRecord(ByteBuffer data, int offset, int length) {
    if (length < DropEvent.SIZE) {
      return; // a record of another ABI version: never produced by our program
    }
    event.decode(data, offset);
    try {
      listener.onDrop(event);
    } catch (RuntimeException e) {
      errors.accept("drop listener failed: " + e);
    }
  }

  /** Reads what is still in the ring buffer, then stops the thread and unmaps the buffer. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(POLL_MILLIS * 3L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      ring.drain(handler);
    }
    ring.close();
  }
}
