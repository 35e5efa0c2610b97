package io.netdrop.bpf;

import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.Epoll;
import io.netdrop.bpf.sys.Libc;
import io.netdrop.bpf.sys.MappedRegion;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Consumer side of a BPF ring buffer map ({@code kernel/bpf/ringbuf.c}), reading records straight
 * from the shared mapping: no copy, no allocation and no native call per record.
 *
 * <p>One consumer at a time: {@link #poll} and {@link #drain} serialize on a lock. {@link
 * #close()} may be called from any thread, also while another thread is blocked in {@code poll},
 * which then returns; calls that start after close throw {@link BpfException}.
 */
public final class RingBuffer implements AutoCloseable {
  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle INTS =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  private static final int BUSY_BIT = 1 << 31;
  private static final int DISCARD_BIT = 1 << 30;
  private static final int HEADER_SIZE = 8;

  private final String subject;
  private final int dataSize;
  private final long mask;
  private final MappedRegion consumerRegion;
  private final MappedRegion producerRegion;
  private final ByteBuffer consumerPage; // consumer_pos at 0, read-write
  private final ByteBuffer producerPage; // producer_pos at 0, read-only
  private final ByteBuffer data; // data area mapped twice, read-only; record headers read here
  private final ByteBuffer handlerView; // the same bytes, handed to handlers
  private final Epoll epoll;
  private final ReentrantLock consumerLock = new ReentrantLock();
  private final AtomicBoolean closing = new AtomicBoolean();
  private boolean released; // guarded by consumerLock

  /**
   * Maps the ring buffer of {@code map}, which must be a {@link BpfConstants#MAP_TYPE_RINGBUF}
   * map. The mapping stays valid even if the map object is closed first.
   */
  public RingBuffer(BpfMap map) {
    Objects.requireNonNull(map, "map");
    this.subject = "ring buffer '" + map.name() + "'";
    if (map.type() != BpfConstants.MAP_TYPE_RINGBUF) {
      throw new BpfException(
          "map '" + map.name() + "' has type " + map.type() + ", a ring buffer needs type "
              + BpfConstants.MAP_TYPE_RINGBUF + " (RINGBUF)");
    }
    int fd = map.fd();
    int pageSize = Libc.getpagesize();
    this.dataSize = map.maxEntries();
    this.mask = dataSize - 1L;
    MappedRegion consumer = null;
    MappedRegion producer = null;
    try {
      consumer = MappedRegion.map(fd, pageSize, true, 0, subject);
      // Producer page, then the data pages twice in a row, so a record never wraps.
      producer = MappedRegion.map(fd, pageSize + 2L * dataSize, false, pageSize, subject);
      this.epoll = Epoll.watching(fd, subject);
    } catch (RuntimeException e) {
      if (producer != null) {
        producer.close();
      }
      if (consumer != null) {
        consumer.close();
      }
      throw e;
    }
    this.consumerRegion = consumer;
    this.producerRegion = producer;
    this.consumerPage = consumer.buffer();
    this.producerPage = producer.buffer();
    this.data = slice(producer.buffer(), pageSize, 2 * dataSize);
    this.handlerView = slice(producer.buffer(), pageSize, 2 * dataSize);
  }

  private static ByteBuffer slice(ByteBuffer buffer, int offset, int length) {
    return buffer.duplicate().position(offset).limit(offset + length).slice().order(ByteOrder.nativeOrder());
  }

  /**
   * Consumes the records available now, or if there are none waits up to {@code timeoutMillis}
   * (negative = forever) for the kernel's wake-up and then consumes what arrived. Returns the
   * number of records passed to {@code handler}: 0 on timeout, on a signal, or when {@link
   * #close()} ended the wait. If the handler throws, the records before it and the failing one
   * count as consumed and the exception propagates.
   */
  public int poll(int timeoutMillis, RecordHandler handler) {
    Objects.requireNonNull(handler, "handler");
    consumerLock.lock();
    try {
      ensureOpen();
      int handled = consume(handler);
      if (handled > 0 || timeoutMillis == 0) {
        return handled;
      }
      epoll.await(timeoutMillis);
      if (closing.get()) {
        return 0;
      }
      return consume(handler);
    } finally {
      releaseIfClosedByHandler();
      consumerLock.unlock();
    }
  }

  /** Consumes the records available now without waiting; returns how many were handled. */
  public int drain(RecordHandler handler) {
    Objects.requireNonNull(handler, "handler");
    consumerLock.lock();
    try {
      ensureOpen();
      return consume(handler);
    } finally {
      releaseIfClosedByHandler();
      consumerLock.unlock();
    }
  }

  /** Bytes of data the producer has written and we have not consumed yet. */
  public long available() {
    consumerLock.lock();
    try {
      ensureOpen();
      return (long) LONGS.getAcquire(producerPage, 0) - (long) LONGS.getAcquire(consumerPage, 0);
    } finally {
      consumerLock.unlock();
    }
  }

  /**
   * Unmaps the ring buffer and closes the epoll set; idempotent. A thread blocked in {@link #poll}
   * is woken and returns before the memory is unmapped. Called from a record handler, it stops
   * the current poll or drain after that record and releases everything when it returns.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    epoll.wakeup();
    if (consumerLock.isHeldByCurrentThread()) {
      // Called from a record handler: the consume loop still reads the mapping, so the poll or
      // drain that called the handler releases it on its way out.
      return;
    }
    consumerLock.lock();
    try {
      release();
    } finally {
      consumerLock.unlock();
    }
  }

  private void releaseIfClosedByHandler() {
    if (closing.get() && consumerLock.getHoldCount() == 1) {
      release();
    }
  }

  private void release() {
    if (released) {
      return;
    }
    released = true;
    producerRegion.close();
    consumerRegion.close();
    epoll.close();
  }

  public boolean isClosed() {
    return closing.get();
  }

  private void ensureOpen() {
    if (closing.get() || released) {
      throw new BpfException(subject + " is closed");
    }
  }

  /**
   * The ring buffer protocol: producer_pos and each header are read with acquire semantics (they
   * publish the record bytes), consumer_pos is stored with release semantics once per pass (it
   * hands the space back). Stops at a busy record; skips discarded ones. One call consumes at
   * most one ring's worth of bytes, so a flooding producer cannot keep it from returning.
   */
  private int consume(RecordHandler handler) {
    long consumerPos = (long) LONGS.getAcquire(consumerPage, 0);
    long start = consumerPos;
    int handled = 0;
    while (consumerPos - start < dataSize) {
      long producerPos = (long) LONGS.getAcquire(producerPage, 0);
      long passStart = consumerPos;
      boolean busy = false;
      try {
        while (consumerPos < producerPos) {
          int offset = (int) (consumerPos & mask);
          int header = (int) INTS.getAcquire(data, offset);
          if ((header & BUSY_BIT) != 0) {
            busy = true;
            break;
          }
          int length = header & ~(BUSY_BIT | DISCARD_BIT);
          if (length > dataSize - HEADER_SIZE) {
            throw new BpfException(
                subject + ": corrupt record header " + Integer.toHexString(header) + " at position "
                    + consumerPos);
          }
          consumerPos += (length + HEADER_SIZE + 7) & ~7L;
          if ((header & DISCARD_BIT) == 0) {
            handled++;
            handlerView.clear();
            handlerView.order(ByteOrder.nativeOrder());
            handler.onRecord(handlerView, offset + HEADER_SIZE, length);
            if (closing.get()) {
              break; // the handler closed this ring buffer
            }
          }
        }
      } finally {
        if (consumerPos != passStart) {
          LONGS.setRelease(consumerPage, 0, consumerPos);
        }
      }
      // Re-reading producer_pos after publishing closes the race with a producer that committed
      // while we were behind and therefore did not send a wake-up.
      if (busy || consumerPos == passStart || closing.get()) {
        break;
      }
    }
    return handled;
  }
}
