#!/usr/bin/env bash
# What noting the current trace span costs the per-read/write hook (issue #9), with allocation
# (JMH -prof gc), in two parts:
#   in-process: SpanCaptureBenchmark, RegistrySocketEvents.used with OtelCurrentSpan and an SDK
#     span made current in the same API copy (capture=on), against the hook without a CurrentSpan
#     (capture=off), for span=none|same|new; no BPF, no agent.
#   agents: SpanCaptureAgentBenchmark, NetdropBridge.used under the real -javaagent, the agent built
#     at BASELINE (before the span capture, bench/agent-at.sh) against the working tree's, each
#     alone and after the OpenTelemetry Java agent (its jar from agent/target/test-libs), whose
#     bridge is how netdrop's API copy sees the application's spans. Every fork checks what the
#     agent noted for the connection: the span under "now+otel", no span otherwise (alone, netdrop
#     cannot see an application SDK's spans; before the capture it notes none).
# Rounds alternate the variants (before, now, before+otel, now+otel, ...) so that a drift of the
# machine shows up in all of them; one fork per benchmark, variant and round, so the forks are the
# repeats and the summary gives each variant's median over them with the range.
#
#   bench/span-capture.sh [extra JMH options]                       (root: the agent loads BPF)
#   ROUNDS=5 JMH_OPTS='-f 1 -wi 5 -w 1s -i 5 -r 1s' BASELINE=3d81f6b bench/span-capture.sh
#   ONLY=in-process bench/span-capture.sh        (or ONLY=agents)
#   CANDIDATE=/path/to/netdrop-agent.jar bench/span-capture.sh     (adds that agent, e.g. a fix)
# (defaults: ROUNDS=3, BASELINE=3d81f6b, JMH_OPTS='-f 1 -wi 5 -w 1s -i 5 -r 1s')
#
# Output: bench/results/span-capture-<time>-*.{txt,json}; the tables are printed at the end and
# kept in bench/results/span-capture-<time>-summary.txt. About 10 minutes per round on 2 busy cores,
# most of it the OpenTelemetry agent's start-up.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "span-capture.sh: must run as root (the agent loads a BPF program)" >&2
  exit 1
fi
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
rounds=${ROUNDS:-3}
baseline=${BASELINE:-3d81f6b}
jar=bench/jmh/target/benchmarks.jar
agent_jar=$PWD/agent/target/netdrop-agent.jar
read -r -a jmh_opts <<<"${JMH_OPTS:--f 1 -wi 5 -w 1s -i 5 -r 1s}"
jmh_opts+=(-foe true -prof gc -prof io.netdrop.bench.CpuTimeProfiler)

echo "span-capture.sh: installing netdrop-agent into the local Maven repository"
mvn -q -o -B -Dstyle.color=never -DskipTests install
echo "span-capture.sh: building $jar"
mvn -q -o -B -Dstyle.color=never -f bench/jmh/pom.xml package
otel_jar=$(ls "$PWD"/agent/target/test-libs/opentelemetry-javaagent-*.jar | head -1)
baseline_jar=
if [ "${ONLY:-}" != in-process ]; then
  baseline_jar=$(bench/agent-at.sh "$baseline")
fi
otel_opts="-javaagent:$otel_jar -Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none"

variants=(before now)
[ -n "${CANDIDATE:-}" ] && variants+=(candidate)
variants+=(before+otel now+otel)
[ -n "${CANDIDATE:-}" ] && variants+=(candidate+otel)

mkdir -p bench/results
prefix=bench/results/span-capture-$(date -u +%Y%m%dT%H%M%SZ)
summary=$prefix-summary.txt
{
  echo "# netdrop span-capture benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# kernel: $(uname -r)"
  echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "# jdk: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# command: $java -jar $jar ${jmh_opts[*]} $* BENCHMARK"
  echo "#   in-process: 'io\\.netdrop\\.bench\\.SpanCaptureBenchmark\\.' -p capture=off,on"
  echo "#   agents: 'io\\.netdrop\\.bench\\.SpanCaptureAgentBenchmark\\.' -jvmArgsAppend, by variant:"
  echo "#     before: -javaagent:$baseline_jar (agent at $baseline)"
  echo "#     now: -javaagent:$agent_jar"
  [ -n "${CANDIDATE:-}" ] && echo "#     candidate: -javaagent:$CANDIDATE"
  echo "#     +otel: $otel_opts first"
  echo "# rounds: $rounds"
} >"$summary"

# run_jmh VARIANT ROUND: one JMH run, raw output in $prefix-VARIANT-ROUND.txt, scores appended to
# $prefix-forks.tsv: ns/op of each iteration, and per fork B/op (gc.alloc.rate.norm) as the
# benchmark's ":alloc" row and the benchmark thread's CPU time per op (CpuTimeProfiler) as ":cpu".
run_jmh() {
  local variant=$1 round=$2
  shift 2
  local base=$prefix-$variant-$round
  local pattern='io\.netdrop\.bench\.SpanCaptureAgentBenchmark\.'
  local args=() jar_of capture=unseen
  case $variant in
    in-process) pattern='io\.netdrop\.bench\.SpanCaptureBenchmark\.'; args=(-p capture=off,on) ;;
    before*) jar_of=$baseline_jar ;;
    now*) jar_of=$agent_jar ;;
    candidate*) jar_of=$CANDIDATE ;;
  esac
  if [ "$variant" != in-process ]; then
    local jvm="-javaagent:$jar_of -Dnetdrop.bench.agent=on"
    if [[ $variant == *+otel ]]; then
      jvm="$otel_opts $jvm"
      [[ $variant == before* ]] || capture=seen
    fi
    args=(-jvmArgsAppend "$jvm -D${SPAN_PROPERTY}=$capture")
  fi
  echo "span-capture.sh: round $round/$rounds, $variant, output in $base.txt"
  "$java" -jar "$jar" "${jmh_opts[@]}" "${args[@]}" -rf json -rff "$base.json" "$@" "$pattern" \
    >"$base.txt" 2>&1 || {
    echo "span-capture.sh: JMH failed; last lines of $base.txt:" >&2
    tail -30 "$base.txt" >&2
    exit 1
  }
  if [ "$variant" != in-process ]; then
    local watching forks
    watching=$(grep -c "netdrop: watching" "$base.txt" || true)
    forks=$(grep -c "^# Fork: " "$base.txt" || true)
    if [ "$forks" -eq 0 ] || [ "$watching" -ne "$forks" ]; then
      echo "span-capture.sh: 'netdrop: watching' printed $watching times in $base.txt, expected once per fork ($forks)" >&2
      exit 1
    fi
  fi
  # In-process, capture=on|off is the variant; under the agents, the agent is.
  jq -r --arg v "$variant" --arg r "$round" '.[]
      | (if $v == "in-process" then "capture=" + .params.capture else $v end) as $var
      | (.benchmark + ([.params // {} | to_entries[] | select(.key != "capture") | " \(.key)=\(.value)"] | join(""))) as $b
      | ([$var, $b, .primaryMetric.scoreUnit] + ( .primaryMetric.rawData | to_entries[]
          | ($r + "." + (.key | tostring)) as $f | .value[] | [$f, tostring])),
        (.secondaryMetrics as $s | ["gc.alloc.rate.norm", " :alloc"], ["cpu.time.norm", " :cpu"]
          | . as [$m, $suffix] | [$var, $b + $suffix, $s[$m].scoreUnit] + ($s[$m].rawData | to_entries[]
          | ($r + "." + (.key | tostring)) as $f | [$f, (.value | add / length | tostring)]))
      | @tsv' "$base.json" >>"$prefix-forks.tsv"
}
SPAN_PROPERTY=netdrop.bench.span-capture

: >"$prefix-forks.tsv"
for round in $(seq "$rounds"); do
  if [ "${ONLY:-}" != agents ]; then
    run_jmh in-process "$round" "$@"
  fi
  if [ "${ONLY:-}" != in-process ]; then
    for variant in "${variants[@]}"; do
      run_jmh "$variant" "$round" "$@"
    done
  fi
done

# summarize TITLE VARIANT... : the rows of those variants, the first as the reference.
summarize() {
  local title=$1
  shift
  local keep
  keep=$(printf '%s\n' "$@")
  echo
  echo "## $title"
  awk -F'\t' -v keep="$keep" 'BEGIN { n = split(keep, k, "\n"); for (i = 1; i <= n; i++) want[k[i]] = 1 }
    want[$1]' "$prefix-forks.tsv" | "$java" -cp "$jar" io.netdrop.bench.ForkSummary "$@"
}
{
  echo
  echo "Median of the forks' scores [min-max] (forks), per call: ns/op (wall), :cpu ns/op of the"
  echo "benchmark thread's CPU time (CpuTimeProfiler), :alloc B/op (gc.alloc.rate.norm)."
  if [ "${ONLY:-}" != agents ]; then
    summarize "in-process: RegistrySocketEvents.used, capture on / off" capture=off capture=on
  fi
  if [ "${ONLY:-}" != in-process ]; then
    summarize "netdrop alone: NetdropBridge.used, now / before ($baseline)" before now ${CANDIDATE:+candidate}
    summarize "netdrop after the OpenTelemetry Java agent: now / before ($baseline)" \
      before+otel now+otel ${CANDIDATE:+candidate+otel}
  fi
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$summary"

cat "$summary"
