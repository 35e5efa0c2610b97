#!/usr/bin/env bash
# Runs one set of netdrop's JMH benchmarks as root and keeps the output: builds the agent into the
# local Maven repository and bench/jmh/target/benchmarks.jar, then writes a header (commit,
# kernel, CPU, JDK, command) and JMH's output to bench/results/NAME.txt and prints the table.
#   bench/run-jmh.sh NAME BENCHMARK_REGEX [extra JMH options, e.g. -p depth=20 or -i 10]
# Runs on $JAVA_HOME's JDK (java and mvn) when JAVA_HOME is set, else on the java on PATH.
# Used by bench/ringbuf-decode.sh and bench/registration-cost.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

name=$1
pattern=$2
shift 2
if [ "$(id -u)" -ne 0 ]; then
  echo "$name: must run as root (the benchmarks create BPF maps and load BPF programs)" >&2
  exit 1
fi

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
results=bench/results/$name.txt
# Enough iterations that a neighbour's burst of CPU use shows up in the error, not the score.
# JMH rejects an option given twice, so one given on the command line replaces its default here.
defaults=(-f 1 -wi 5 -i 8 -w 1s -r 1s -foe true)
jmh_opts=()
for ((k = 0; k < ${#defaults[@]}; k += 2)); do
  given=false
  for arg in "$@"; do
    [ "$arg" = "${defaults[k]}" ] && given=true
  done
  $given || jmh_opts+=("${defaults[k]}" "${defaults[k + 1]}")
done

echo "$name: installing netdrop-agent into the local Maven repository"
mvn -q -B -ntp -Dstyle.color=never -DskipTests install
echo "$name: building bench/jmh/target/benchmarks.jar"
mvn -q -B -ntp -Dstyle.color=never -f bench/jmh/pom.xml package

mkdir -p bench/results
{
  echo "# netdrop $name benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# kernel: $(uname -r)"
  echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "# jdk: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "# command: $java -jar bench/jmh/target/benchmarks.jar ${jmh_opts[*]} $* '$pattern'"
  echo
} >"$results"

echo "$name: running JMH (${jmh_opts[*]} $*), output in $results"
"$java" -jar bench/jmh/target/benchmarks.jar "${jmh_opts[@]}" "$@" "$pattern" >>"$results" 2>&1 || {
  echo "$name: JMH failed; last lines of $results:" >&2
  tail -30 "$results" >&2
  exit 1
}

sed '/^$/q' "$results"
sed -n '/^Benchmark /,$p' "$results"
