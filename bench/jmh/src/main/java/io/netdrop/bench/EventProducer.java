package io.netdrop.bench;

import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.BpfProgram;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.drops.DropEvent;

/**
 * A ring buffer the size of the agent's {@code events} map, and a socket filter that writes one
 * {@link SampleEvent} into it per run with {@code bpf_ringbuf_output(.., BPF_RB_NO_WAKEUP)}, run
 * with BPF_PROG_TEST_RUN. Needs root (or CAP_BPF) and a 5.8+ kernel.
 */
final class EventProducer implements AutoCloseable {
  /** {@code max_entries} of {@code events} in bpf/netdrop.bpf.c. */
  static final int RING_SIZE = 256 * 1024;

  private static final int FUNC_KTIME_GET_NS = 5;
  private static final int FUNC_GET_SMP_PROCESSOR_ID = 8;
  /** A socket filter's test run needs at least an Ethernet header of packet data. */
  private static final byte[] PACKET = new byte[64];

  private final BpfMap ring;
  private final BpfProgram program;

  private EventProducer(BpfMap ring, BpfProgram program) {
    this.ring = ring;
    this.program = program;
  }

  static EventProducer create() {
    BpfMap ring = BpfMap.create("bench_events", BpfConstants.MAP_TYPE_RINGBUF, 0, 0, RING_SIZE, 0);
    try {
      BpfProgram program = BpfProgram.load("bench_producer", BpfConstants.PROG_TYPE_SOCKET_FILTER,
          0, instructions(ring.fd()), "Dual BSD/GPL", 0);
      return new EventProducer(ring, program);
    } catch (RuntimeException e) {
      ring.close();
      throw e;
    }
  }

  /** The nd_event is built on the stack at r10-88, then copied into the ring. */
  private static byte[] instructions(int ringFd) {
    int e = -DropEvent.SIZE;
    return new BpfAsm()
        .call(FUNC_KTIME_GET_NS)
        .stxDw(BpfAsm.R10, e, BpfAsm.R0)
        .call(FUNC_GET_SMP_PROCESSOR_ID)
        .stxW(BpfAsm.R10, e + 40, BpfAsm.R0)
        .ldImm64(BpfAsm.R1, SampleEvent.LOCATION)
        .stxDw(BpfAsm.R10, e + 8, BpfAsm.R1)
        .stDw(BpfAsm.R10, e + 16, SampleEvent.SOCKET_INODE)
        .stW(BpfAsm.R10, e + 24, SampleEvent.REASON)
        .stW(BpfAsm.R10, e + 28, SampleEvent.NETNS)
        .stW(BpfAsm.R10, e + 32, SampleEvent.IFINDEX)
        .stW(BpfAsm.R10, e + 36, SampleEvent.SKB_LENGTH)
        .stW(BpfAsm.R10, e + 44, SampleEvent.FAMILY_PROTOCOL_MATCH)
        .stDw(BpfAsm.R10, e + 48, SampleEvent.LOOPBACK)
        .stDw(BpfAsm.R10, e + 56, 0)
        .stDw(BpfAsm.R10, e + 64, SampleEvent.LOOPBACK)
        .stDw(BpfAsm.R10, e + 72, 0)
        .stW(BpfAsm.R10, e + 80, SampleEvent.PORTS)
        .stW(BpfAsm.R10, e + 84, 0)
        .ldMapFd(BpfAsm.R1, ringFd)
        .movReg(BpfAsm.R2, BpfAsm.R10)
        .addImm(BpfAsm.R2, e)
        .movImm(BpfAsm.R3, DropEvent.SIZE)
        .movImm(BpfAsm.R4, (int) BpfConstants.BPF_RB_NO_WAKEUP)
        .call(BpfConstants.FUNC_RINGBUF_OUTPUT)
        .movImm(BpfAsm.R0, 0)
        .exit()
        .bytes();
  }

  BpfMap ring() {
    return ring;
  }

  /** Writes {@code count} (at least 1) events in one BPF_PROG_TEST_RUN; a full ring drops the rest. */
  void produce(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, got " + count);
    }
    program.testRun(PACKET, count);
  }

  @Override
  public void close() {
    program.close();
    ring.close();
  }
}
