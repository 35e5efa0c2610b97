#!/usr/bin/env bash
# What the netdrop agent costs the application's own socket code: the same JMH benchmarks with and
# without -javaagent, in alternating rounds (without, with, without, with, ...) so that a drift of
# the machine shows up in both columns rather than as overhead.
#   SocketOpenCloseBenchmark: ns per socket opened and closed (connect/accept/close, SocketChannel
#     open/close, DatagramChannel open/bind/close); the agent registers each socket synchronously.
#   LoopbackEchoBenchmark: 64-byte round trips/s over a connected loopback pair (the I/O path),
#     once on both CPUs and once with the JVM pinned to one CPU ("(1cpu)"): a ping-pong's rate on
#     two CPUs depends on where the scheduler puts the two threads, which varies from fork to
#     fork; on one CPU it is CPU time per round trip, where the agent's hooks would show.
#   UsedHookBenchmark: ns per call of the hook the agent runs on every read and write, alone.
# Also times JVM start-up with and without the agent (to main, to "netdrop: watching", to exit).
#
#   bench/socket-overhead.sh [extra JMH options, e.g. -p or -prof]     (root: the agent loads BPF)
#   ROUNDS=3 STARTS=10 JMH_OPTS='-f 1 -wi 3 -w 1s -i 8 -r 2s' bench/socket-overhead.sh
#   ONLY=open-close STARTS=0 bench/socket-overhead.sh     (SocketOpenCloseBenchmark alone)
#   ONLY=used bench/socket-overhead.sh     (UsedHookBenchmark alone)
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/socket-overhead.sh     (another JDK)
#   BASELINE=3d81f6b bench/socket-overhead.sh     (the agent at that commit instead of no agent)
# (defaults: ROUNDS=2, STARTS=5, JMH_OPTS='-f 1 -wi 2 -w 1s -i 3 -r 2s')
#
# With BASELINE=<commit> the comparison is agent against agent: "before" runs the agent built at
# that commit (bench/agent-at.sh), "now" the working tree's, alternating as above; the summary adds
# each variant's median over the rounds' forks with its range.
#
# About 6 minutes on 2 cores with the defaults. Raw JMH output and JSON go to
# bench/results/socket-overhead-<time>-*.{txt,json}; the tables are printed at the end and kept in
# bench/results/socket-overhead-<time>-summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "socket-overhead.sh: must run as root (the agent loads a BPF program)" >&2
  exit 1
fi
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
rounds=${ROUNDS:-2}
starts=${STARTS:-5}
agent_jar="$PWD/agent/target/netdrop-agent.jar"
jar=bench/jmh/target/benchmarks.jar
benchmarks='io\.netdrop\.bench\.(SocketOpenCloseBenchmark|LoopbackEchoBenchmark|UsedHookBenchmark)\.'
case "${ONLY:-}" in
  "") ;;
  open-close) benchmarks='io\.netdrop\.bench\.SocketOpenCloseBenchmark\.' ;;
  used) benchmarks='io\.netdrop\.bench\.UsedHookBenchmark\.' ;;
  *) echo "socket-overhead.sh: ONLY=$ONLY is neither open-close nor used" >&2; exit 1 ;;
esac
# Variants: no agent and the agent, or (BASELINE) the agent at that commit and the agent now.
variants=(without with)
baseline_jar=
if [ -n "${BASELINE:-}" ]; then
  variants=(before now)
  baseline_jar=$(bench/agent-at.sh "$BASELINE")
fi
# One fork per benchmark and run by default; the rounds supply the fork-to-fork variation.
read -r -a jmh_opts <<<"${JMH_OPTS:--f 1 -wi 2 -w 1s -i 3 -r 2s}"
jmh_opts+=(-foe true -prof io.netdrop.bench.CpuTimeProfiler)

echo "socket-overhead.sh: installing netdrop-agent into the local Maven repository"
mvn -q -o -B -Dstyle.color=never -DskipTests install
echo "socket-overhead.sh: building $jar"
mvn -q -o -B -Dstyle.color=never -f bench/jmh/pom.xml package

mkdir -p bench/results
prefix=bench/results/socket-overhead-$(date -u +%Y%m%dT%H%M%SZ)
summary=$prefix-summary.txt
{
  echo "# netdrop socket-overhead benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# kernel: $(uname -r)"
  echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "# jdk: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# command: $java -jar $jar ${jmh_opts[*]} $* '$benchmarks'"
  if [ -n "$baseline_jar" ]; then
    echo "#   now:     -jvmArgsAppend '-javaagent:$agent_jar -Dnetdrop.bench.agent=on'"
    echo "#   before:  -jvmArgsAppend '-javaagent:$baseline_jar -Dnetdrop.bench.agent=on' (agent at $BASELINE)"
  else
    echo "#   with:    -jvmArgsAppend '-javaagent:$agent_jar -Dnetdrop.bench.agent=on'"
    echo "#   without: -jvmArgsAppend '-Dnetdrop.bench.agent=off'"
  fi
  echo "#   (1cpu): the same under taskset -c 1, LoopbackEchoBenchmark only"
  echo "# rounds: $rounds (${variants[0]} then ${variants[1]}, alternating)"
} >"$summary"

# run_jmh VARIANT ROUND NAME LAUNCHER BENCHMARKS [extra JMH options]: one JMH run, raw output in
# $prefix-VARIANT-NAME-ROUND.txt; scores are labelled with NAME unless it is "all".
run_jmh() {
  local variant=$1 round=$2 name=$3 launcher=$4 pattern=$5
  shift 5
  local base=$prefix-$variant-$name-$round
  local jvm_args
  jvm_args=$(jvm_args_of "$variant")
  echo "socket-overhead.sh: round $round/$rounds, $variant agent, $name, output in $base.txt"
  # shellcheck disable=SC2086 # the launcher is a command prefix or nothing
  $launcher "$java" -jar "$jar" "${jmh_opts[@]}" -jvmArgsAppend "$jvm_args" -rf json -rff "$base.json" \
    "$@" "$pattern" >"$base.txt" 2>&1 || {
    echo "socket-overhead.sh: JMH failed; last lines of $base.txt:" >&2
    tail -30 "$base.txt" >&2
    exit 1
  }
  # The benchmarks' setup already refuses a fork whose agent state is not as expected; the agent's
  # own line is checked as well, once per fork.
  local watching forks
  watching=$(grep -c "netdrop: watching" "$base.txt" || true)
  forks=$(grep -c "^# Fork: " "$base.txt" || true)
  if [ "$variant" != without ] && { [ "$forks" -eq 0 ] || [ "$watching" -ne "$forks" ]; }; then
    echo "socket-overhead.sh: 'netdrop: watching' printed $watching times in $base.txt," \
      "expected once per fork ($forks)" >&2
    grep "netdrop:" "$base.txt" | grep -v "netdrop: drop" | head >&2 || true
    exit 1
  fi
  if [ "$variant" = without ] && grep -q "netdrop:" "$base.txt"; then
    echo "socket-overhead.sh: netdrop printed in the run without the agent: $base.txt" >&2
    exit 1
  fi
  local label=""
  [ "$name" = all ] || label=" ($name)"
  jq -r --arg v "$variant" --arg l "$label" '.[] | (.benchmark + $l) as $b
      | .primaryMetric.scoreUnit as $u
      | .primaryMetric.rawData[][] | [$v, $b, $u, tostring] | @tsv' "$base.json" >>"$prefix-scores.tsv"
  # Per fork: the score of each iteration, and the benchmark thread's CPU time per op (":cpu").
  jq -r --arg v "$variant" --arg l "$label" --arg r "$round" '.[] | (.benchmark + $l) as $b
      | (.primaryMetric.scoreUnit as $u | .primaryMetric.rawData | to_entries[]
          | ($r + "." + (.key | tostring)) as $f | .value[] | [$v, $b, $u, $f, tostring]),
        (.secondaryMetrics["cpu.time.norm"] // empty | .scoreUnit as $u | .rawData | to_entries[]
          | ($r + "." + (.key | tostring)) as $f | [$v, $b + " :cpu", $u, $f, (.value | add / length | tostring)])
      | @tsv' "$base.json" >>"$prefix-forks.tsv"
}

# jvm_args_of VARIANT: the JVM options of a variant's forks.
jvm_args_of() {
  case $1 in
    without) echo "-Dnetdrop.bench.agent=off" ;;
    with | now) echo "-javaagent:$agent_jar -Dnetdrop.bench.agent=on" ;;
    before) echo "-javaagent:$baseline_jar -Dnetdrop.bench.agent=on" ;;
  esac
}

echo_benchmarks='io\.netdrop\.bench\.LoopbackEchoBenchmark\.'
: >"$prefix-scores.tsv"
: >"$prefix-forks.tsv"
for round in $(seq "$rounds"); do
  for variant in "${variants[@]}"; do
    run_jmh "$variant" "$round" all "" "$benchmarks" "$@"
    if [ -z "${ONLY:-}" ]; then
      run_jmh "$variant" "$round" 1cpu "taskset -c 1" "$echo_benchmarks" "$@"
    fi
  done
done

# Start-up: wall clock from launch to main, to the agent being ready, and to exit, ms.
echo "socket-overhead.sh: timing $starts JVM starts with and without the agent"
start_log=$prefix-startup.txt
start_err=$prefix-startup-stderr.txt
: >"$start_log"
: >"$start_err"
for i in $(seq "$starts"); do
  for variant in "${variants[@]}"; do
    read -r -a args <<<"$(jvm_args_of "$variant")"
    t0=$(date +%s%N)
    out=$("$java" "${args[@]}" -cp "$jar" io.netdrop.bench.StartupProbe 2>>"$start_err")
    t1=$(date +%s%N)
    main=$(sed -n 's/^main=\([0-9]*\) .*/\1/p' <<<"$out")
    ready=$(sed -n 's/.* ready=\([0-9]*\)$/\1/p' <<<"$out")
    if [ -z "$main" ] || [ -z "$ready" ]; then
      echo "socket-overhead.sh: StartupProbe printed '$out'; its stderr is in $start_err" >&2
      exit 1
    fi
    echo "$variant $(((main - t0) / 1000000)) $(((ready - t0) / 1000000)) $(((t1 - t0) / 1000000))" >>"$start_log"
  done
done

{
  echo
  echo "## JMH: mean ± 99.9% CI over all measured iterations of all rounds; cost = time per op ${variants[1]}/${variants[0]}"
  "$java" -cp "$jar" io.netdrop.bench.OverheadSummary "${variants[@]}" <"$prefix-scores.tsv"
  echo
  echo "## JMH: median of the forks' scores [min-max] (forks), and ${variants[1]}/${variants[0]} of the medians;"
  echo "## ':cpu': the benchmark thread's CPU time per op (CpuTimeProfiler; for echo, the client thread only)"
  "$java" -cp "$jar" io.netdrop.bench.ForkSummary "${variants[@]}" <"$prefix-forks.tsv"
  echo
  echo "## Drops the kernel reported on the benchmark JVM's own sockets (agent totals per fork)"
  for f in "$prefix"-"${variants[1]}"-all-*.txt; do
    awk -v run="$(basename "$f" .txt)" '
      /^# Benchmark: / { bench = $3; sub(/.*\./, "", bench) }
      /netdrop: totals/ { sub(/.*(; | )matched=/, "matched="); print "  " run " " bench ": " $0 }' "$f"
  done
  echo
  echo "## Start-up, ms from launch (mean, min-max of $starts)"
  awk '
    { n[$1]++; for (i = 2; i <= 4; i++) { s[$1, i] += $i; if (n[$1] == 1 || $i < lo[$1, i]) lo[$1, i] = $i; if ($i > hi[$1, i]) hi[$1, i] = $i } }
    END {
      printf "%-8s %18s %18s %18s\n", "agent", "to main", "to agent ready", "to exit"
      for (v in n) {
        printf "%-8s", v
        for (i = 2; i <= 4; i++) printf " %18s", sprintf("%.0f (%d-%d)", s[v, i] / n[v], lo[v, i], hi[v, i])
        printf "\n"
      }
    }' "$start_log"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$summary"

cat "$summary"
