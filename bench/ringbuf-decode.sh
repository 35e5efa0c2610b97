#!/usr/bin/env bash
# JMH benchmark of the drop-event hot path: DropEvent.decode alone, and RingBuffer.drain of a
# real kernel ring buffer decoding every record. Scores are events/s on one thread.
# Run as root (the consume benchmark loads a BPF program) from the repository root:
#   bench/ringbuf-decode.sh [extra JMH options, e.g. -i 10 or a benchmark regex]
# Full output goes to bench/results/ringbuf-decode.txt; the summary table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "ringbuf-decode.sh: must run as root (BPF_PROG_LOAD, BPF ring buffer maps)" >&2
  exit 1
fi

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
results=bench/results/ringbuf-decode.txt

echo "ringbuf-decode.sh: installing netdrop-agent into the local Maven repository"
mvn -q -B -ntp -Dstyle.color=never -DskipTests install
echo "ringbuf-decode.sh: building bench/jmh/target/benchmarks.jar"
mvn -q -B -ntp -Dstyle.color=never -f bench/jmh/pom.xml package

# About a minute per benchmark on a 2-core machine; enough iterations that a neighbour's burst
# of CPU use shows up in the error rather than in the score.
jmh_opts=(-f 1 -wi 5 -i 8 -w 2s -r 2s -foe true)
[ $# -gt 0 ] || set -- 'io\.netdrop\.bench\.(DecodeBenchmark|RingConsumeBenchmark)\.'

mkdir -p bench/results
{
  echo "# netdrop ringbuf-decode benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# kernel: $(uname -r)"
  echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "# jdk: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "# command: $java -jar bench/jmh/target/benchmarks.jar ${jmh_opts[*]} $*"
  echo
} >"$results"

echo "ringbuf-decode.sh: running JMH (${jmh_opts[*]} $*), output in $results"
"$java" -jar bench/jmh/target/benchmarks.jar "${jmh_opts[@]}" "$@" >>"$results" 2>&1 || {
  echo "ringbuf-decode.sh: JMH failed; last lines of $results:" >&2
  tail -30 "$results" >&2
  exit 1
}

sed '/^$/q' "$results"
sed -n '/^Benchmark /,$p' "$results"
