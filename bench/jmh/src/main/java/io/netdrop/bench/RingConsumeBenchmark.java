package io.netdrop.bench;

import io.netdrop.bpf.RecordHandler;
import io.netdrop.bpf.RingBuffer;
import io.netdrop.drops.DropEvent;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link RingBuffer#drain} of a real kernel BPF ring buffer, decoding every record into one
 * reused {@link DropEvent} as {@code DropReader} does. Before each invocation (not measured) a
 * BPF_PROG_TEST_RUN writes {@link #EVENTS} 88-byte events without wake-ups; the invocation then
 * drains exactly those. One op = one event; the score is events/s on one thread.
 *
 * <p>Needs root (or CAP_BPF) and a 5.8+ kernel. The producer runs on the benchmark's CPU just
 * before the drain, so the records are cache-warm; in the agent they come from other CPUs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RingConsumeBenchmark {
  /** Fills 75% of the agent-sized ring (96 bytes each): far from full, so nothing is dropped. */
  static final int EVENTS = 2048;

  private final DropEvent event = new DropEvent();
  private final RecordHandler handler = this::onRecord;
  private EventProducer producer;
  private RingBuffer ring;
  private Blackhole bh;

  @Setup(Level.Trial)
  public void open() {
    producer = EventProducer.create();
    ring = new RingBuffer(producer.ring());
    producer.produce(1);
    int handled = ring.drain((data, offset, length) -> {
      if (length != DropEvent.SIZE) {
        throw new IllegalStateException("record of " + length + " bytes, expected " + DropEvent.SIZE);
      }
      event.decode(data, offset);
    });
    if (handled != 1) {
      throw new IllegalStateException("expected 1 record from the producer, got " + handled);
    }
    SampleEvent.check(event);
  }

  @Setup(Level.Invocation)
  public void fill() {
    producer.produce(EVENTS);
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public int consume(Blackhole bh) {
    this.bh = bh;
    int handled = ring.drain(handler);
    if (handled != EVENTS) {
      throw new IllegalStateException("drained " + handled + " events, expected " + EVENTS);
    }
    return handled;
  }

  /** The reader's handler, minus the listener call. */
  private void onRecord(ByteBuffer data, int offset, int length) {
    if (length < DropEvent.SIZE) {
      return;
    }
    event.decode(data, offset);
    bh.consume(event.reason());
  }

  @TearDown(Level.Trial)
  public void close() {
    if (ring != null) {
      ring.close();
    }
    if (producer != null) {
      producer.close();
    }
  }
}
