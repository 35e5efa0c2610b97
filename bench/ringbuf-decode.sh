#!/usr/bin/env bash
# JMH benchmark of the drop-event hot path: DropEvent.decode alone, and RingBuffer.drain of a
# real kernel ring buffer decoding every record. Scores are events/s on one thread.
# Run as root (the consume benchmark loads a BPF program) from the repository root:
#   bench/ringbuf-decode.sh [extra JMH options, e.g. -i 10]
# Output: bench/results/ringbuf-decode.txt; the table is printed at the end.
set -euo pipefail
exec "$(dirname "$0")/run-jmh.sh" ringbuf-decode \
  'io\.netdrop\.bench\.(DecodeBenchmark|RingConsumeBenchmark)\.' -w 2s -r 2s "$@"
