#!/usr/bin/env bash
# JMH benchmark of what registering a socket may cost an application thread, piece by piece
# (RegistrationCostBenchmark): fstat, getsockname, a bpf map update + delete (the system calls the
# agent no longer makes where the kernel registers sockets itself), and the creator lookup 20 and
# 60 frames deep, by class context and by StackWalker. Scores are ns per call on one thread.
# Run as root (it creates a BPF map) from the repository root:
#   bench/registration-cost.sh [extra JMH options, e.g. -i 10 or a benchmark regex]
# Full output goes to bench/results/registration-cost.txt; the summary table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "registration-cost.sh: must run as root (BPF_MAP_CREATE)" >&2
  exit 1
fi

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
results=bench/results/registration-cost.txt

echo "registration-cost.sh: installing netdrop-agent into the local Maven repository"
mvn -q -B -ntp -Dstyle.color=never -DskipTests install
echo "registration-cost.sh: building bench/jmh/target/benchmarks.jar"
mvn -q -B -ntp -Dstyle.color=never -f bench/jmh/pom.xml package

# About a minute per benchmark on a 2-core machine; enough iterations that a neighbour's burst
# of CPU use shows up in the error rather than in the score.
jmh_opts=(-f 1 -wi 5 -i 8 -w 1s -r 1s -foe true)
[ $# -gt 0 ] || set -- 'io\.netdrop\.bench\.RegistrationCostBenchmark\.'

mkdir -p bench/results
{
  echo "# netdrop registration-cost benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# kernel: $(uname -r)"
  echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "# jdk: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "# command: $java -jar bench/jmh/target/benchmarks.jar ${jmh_opts[*]} $*"
  echo
} >"$results"

echo "registration-cost.sh: running JMH (${jmh_opts[*]} $*), output in $results"
"$java" -jar bench/jmh/target/benchmarks.jar "${jmh_opts[@]}" "$@" >>"$results" 2>&1 || {
  echo "registration-cost.sh: JMH failed; last lines of $results:" >&2
  tail -30 "$results" >&2
  exit 1
}

sed '/^$/q' "$results"
sed -n '/^Benchmark /,$p' "$results"
