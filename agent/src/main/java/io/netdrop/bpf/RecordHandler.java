package io.netdrop.bpf;

import java.nio.ByteBuffer;

/** Receives ring buffer records in place, without copying. */
@FunctionalInterface
public interface RecordHandler {
  /**
   * Handles one record: {@code length} bytes at absolute index {@code offset} of {@code data}
   * (native byte order, read-only). The buffer is a view of kernel memory that is reused for the
   * next record and unmapped on close: read with absolute getters and do not retain it.
   */
  void onRecord(ByteBuffer data, int offset, int length);
}
