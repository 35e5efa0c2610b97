package io.netdrop.bench;

import io.netdrop.drops.DropEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link DropEvent#decode} alone, no kernel: a read-only direct buffer holds {@link #EVENTS}
 * records laid out as in the ring (8-byte header, 88-byte event, 96-byte stride), walked the way
 * the consumer walks the ring. One op = one event; the score is events/s on one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecodeBenchmark {
  /** As many as one {@link RingConsumeBenchmark} batch, so both touch the same 192 KiB. */
  static final int EVENTS = RingConsumeBenchmark.EVENTS;

  private final DropEvent event = new DropEvent();
  private ByteBuffer records;

  @Setup
  public void buildRecords() {
    ByteBuffer buf = ByteBuffer.allocateDirect(EVENTS * SampleEvent.RECORD_STRIDE)
        .order(ByteOrder.nativeOrder());
    for (int i = 0; i < EVENTS; i++) {
      int header = i * SampleEvent.RECORD_STRIDE;
      buf.putInt(header, DropEvent.SIZE);
      buf.putInt(header + 4, header >>> 12); // page offset, as the kernel fills it
      SampleEvent.write(buf, header + SampleEvent.HEADER_SIZE, 1_000_000_000L + i, i & 1);
    }
    records = buf.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
    event.decode(records, SampleEvent.HEADER_SIZE);
    SampleEvent.check(event);
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void decode(Blackhole bh) {
    ByteBuffer buf = records;
    int end = EVENTS * SampleEvent.RECORD_STRIDE;
    for (int pos = 0; pos < end; ) {
      int length = buf.getInt(pos);
      event.decode(buf, pos + SampleEvent.HEADER_SIZE);
      bh.consume(event.reason());
      pos += (length + SampleEvent.HEADER_SIZE + 7) & ~7;
    }
  }
}
