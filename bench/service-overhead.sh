#!/usr/bin/env bash
# What netdrop costs a real service under load: the Spring demo (examples/spring-demo, GET /orders:
# a small JSON map, no downstream call, no drop) under wrk, the application pinned to one CPU and
# wrk to the other, one fresh JVM per run, in alternating pairs (A then B, B then A, ...) in one run.
#
# Comparisons (COMPARISONS, any of):
#   netdrop    no agent                          against  -javaagent:netdrop-agent.jar
#   otel       the OpenTelemetry Java agent      against  the OTel agent + netdrop (a server span
#              (exporting nothing: a span is recording on every request, checked per JVM through
#              the demo's X-Span-Recording header)
#   baseline   netdrop built at $BASELINE (bench/agent-at.sh) against the working tree's netdrop
#   baseline-otel  the same, each beside the OTel agent
# Modes (MODES, any of): keepalive (wrk's connections stay open), close (-H 'Connection: close':
# a new TCP connection per request, which the server closes).
#
# Per run: requests/s, p50 and p99 (wrk --latency), and the application's own CPU time per request
# (utime+stime of the JVM from /proc/PID/stat over exactly wrk's run, divided by the requests wrk
# completed); also the CPU of netdrop's own threads (netdrop-*) per request, and the netdrop lines
# the application printed during the measured window (drops would show there; there must be none).
# Each JVM runs every mode in turn, each after its own warm-up (WARMUP seconds of the same load:
# pinned to one CPU, C2 still compiles ~1,000 methods per 5 s at 30 s into the load, -XX:+PrintCompilation).
#
#   bench/service-overhead.sh                                      (root: netdrop loads BPF)
#   PAIRS=3 DURATION=8 WARMUP=8 MODES=close COMPARISONS=netdrop bench/service-overhead.sh
#   BASELINE=b142de6 COMPARISONS=baseline bench/service-overhead.sh
#   BPF_STATS=1 bench/service-overhead.sh  (the kernel programs' run time per request, by program,
#                                           beside the raw output: kernel.bpf_stats_enabled=1)
#   PROFILE=cpu bench/service-overhead.sh    (async-profiler over each measured window: collapsed
#                                             stacks beside the results; PROFILE=itimer in a VM
#                                             without perf events)
# Settings (defaults): CGROUP=service (or root: see below) PAIRS=5 DURATION=20 WARMUP=40 MODES='keepalive close'
#   COMPARISONS='netdrop otel' CONNECTIONS=4 (wrk -t1 -c4) APP_CPU=0 WRK_CPU=1 JAVA_OPTS=''
#   APP_ARGS='--server.tomcat.max-keep-alive-requests=-1' (Spring Boot arguments of the application)
#   NETDROP_JAR=agent/target/netdrop-agent.jar OTEL_JAR=agent/target/test-libs/opentelemetry-javaagent-*.jar
# Raw output: bench/results/service-overhead-<time>/; the markdown tables are printed at the end and
# kept in that directory's summary.md. About (WARMUP+DURATION+1)*modes+10 s per JVM, two JVMs per pair
# and comparison: ~45 min for the defaults (PAIRS=5, two comparisons, two modes).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "service-overhead.sh: must run as root (netdrop loads BPF programs)" >&2
  exit 1
fi
command -v wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
command -v curl >/dev/null || apt-get install -y -q curl >/dev/null

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
pairs=${PAIRS:-5}
duration=${DURATION:-20}
warmup=${WARMUP:-40}
read -r -a modes <<<"${MODES:-keepalive close}"
read -r -a comparisons <<<"${COMPARISONS:-netdrop otel}"
connections=${CONNECTIONS:-4}
app_cpu=${APP_CPU:-0}
wrk_cpu=${WRK_CPU:-1}
read -r -a java_opts <<<"${JAVA_OPTS:-}"
# Tomcat closes a keep-alive connection after 100 requests by default; the request that wrk has
# sent meanwhile then meets a closed socket and the kernel drops it (NOT_SPECIFIED), and each
# reconnect is the other mode's cost. Unlimited: a keep-alive run has no reconnect and no drop.
read -r -a app_args <<<"${APP_ARGS---server.tomcat.max-keep-alive-requests=-1}"
app_jar=$PWD/examples/spring-demo/target/spring-demo.jar
netdrop_jar=${NETDROP_JAR:-$PWD/agent/target/netdrop-agent.jar}
otel_jar=${OTEL_JAR:-$(ls "$PWD"/agent/target/test-libs/opentelemetry-javaagent-*.jar 2>/dev/null | head -1)}
profile=${PROFILE:-}
ap_lib=${ASYNC_PROFILER:-/tmp/ap/linux-x64/libasyncProfiler.so}
hz=$(getconf CLK_TCK)
bpf_stats=${BPF_STATS:-0}
# Where the application runs (CGROUP): 'service' (default) in a child cgroup of its own, as a
# systemd service or a container does, so netdrop attaches its cgroup programs there (the
# production path); 'root' in this shell's cgroup, which on a host is the root cgroup, where
# netdrop by default registers sockets from Java instead (docs/design.md, "Where the cgroup
# programs go"). Both variants of a pair run in the same place.
cgroup_mode=${CGROUP:-service}
app_cgroup=
if [ "$cgroup_mode" = service ]; then
  # The cgroup v2 mount, wherever it is (on a hybrid host /sys/fs/cgroup is a tmpfs of v1
  # controllers and v2 sits at /sys/fs/cgroup/unified).
  cg2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
  [ -n "$cg2" ] || { echo "service-overhead.sh: no cgroup v2 mount; run with CGROUP=root" >&2; exit 1; }
  app_cgroup=$cg2/netdrop-bench-service
  mkdir -p "$app_cgroup"
elif [ "$cgroup_mode" != root ]; then
  echo "service-overhead.sh: CGROUP must be service or root, not '$cgroup_mode'" >&2
  exit 1
fi

for f in "$app_jar" "$netdrop_jar"; do
  [ -f "$f" ] || { echo "service-overhead.sh: $f missing; build first (mvn -B -q -ntp -DskipTests package)" >&2; exit 1; }
done
baseline_jar=
for c in "${comparisons[@]}"; do
  case "$c" in
    netdrop) ;;
    otel | baseline-otel)
      [ -f "$otel_jar" ] || { echo "service-overhead.sh: no OTel Java agent jar (OTEL_JAR)" >&2; exit 1; } ;;&
    baseline | baseline-otel)
      [ -n "${BASELINE:-}" ] || { echo "service-overhead.sh: COMPARISONS=$c needs BASELINE=<commit>" >&2; exit 1; }
      [ -n "$baseline_jar" ] || baseline_jar=$(bench/agent-at.sh "$BASELINE") ;;
    otel) ;;
    *) echo "service-overhead.sh: unknown comparison '$c' (netdrop, otel, baseline, baseline-otel)" >&2; exit 1 ;;
  esac
done
for m in "${modes[@]}"; do
  case "$m" in keepalive | close) ;; *) echo "service-overhead.sh: unknown mode '$m' (keepalive, close)" >&2; exit 1 ;; esac
done
if [ "$bpf_stats" = 1 ]; then
  # The kernel's own per-program statistics (run_time_ns, run_cnt in each program fd's fdinfo);
  # they add two clock reads per program run, so they are off unless asked for, and put back after.
  stats_before=$(sysctl -n kernel.bpf_stats_enabled)
  sysctl -q kernel.bpf_stats_enabled=1
fi
if [ -n "$profile" ] && [ ! -f "$ap_lib" ]; then
  # async-profiler from Maven Central only (tools.profiler:async-profiler), unpacked to /tmp/ap.
  echo "service-overhead.sh: fetching async-profiler 4.2 from Maven Central" >&2
  mvn -q -B -ntp dependency:copy -Dartifact=tools.profiler:async-profiler:4.2:zip:linux-x64 -DoutputDirectory=/tmp/ap-dl >&2
  unzip -q -o /tmp/ap-dl/async-profiler-4.2-linux-x64.zip -d /tmp/ap-dl
  mkdir -p /tmp/ap/linux-x64 && cp /tmp/ap-dl/async-profiler-4.2-linux-x64/lib/libasyncProfiler.so "$ap_lib"
fi

out=bench/results/service-overhead-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
runs=$out/runs.tsv
summary=$out/summary.md
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- agent 2>/dev/null)" ] || commit="$commit (agent with uncommitted changes)"

# The variants of a comparison, A first: labels and the agent options each adds.
variants_of() {
  case "$1" in
    netdrop) echo "without with" ;;
    otel) echo "otel otel+netdrop" ;;
    baseline) echo "before now" ;;
    baseline-otel) echo "otel+before otel+now" ;;
  esac
}
agent_args() {
  local otel=(-javaagent:"$otel_jar")
  case "$1" in
    without) ;;
    with | now) echo "-javaagent:$netdrop_jar" ;;
    before) echo "-javaagent:$baseline_jar" ;;
    otel) echo "${otel[*]}" ;;
    otel+netdrop | otel+now) echo "${otel[*]} -javaagent:$netdrop_jar" ;;
    otel+before) echo "${otel[*]} -javaagent:$baseline_jar" ;;
  esac
}
uses_netdrop() { [[ "$1" != without && "$1" != otel ]]; }
uses_otel() { [[ "$1" == otel* ]]; }

# utime+stime of PID in clock ticks, and the same for its threads named netdrop-* (comm is cut
# to 15 characters: netdrop-reader, netdrop-registr, ...).
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
agent_ticks() {
  local total=0 t
  for t in /proc/"$1"/task/*; do
    if [[ "$(cat "$t/comm" 2>/dev/null)" == netdrop* ]]; then
      total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null || echo 0)))
    fi
  done
  echo "$total"
}

# "tid comm ticks" of each thread of PID, to see afterwards which threads took the CPU.
threads_at_start() {
  local t
  for t in /proc/"$1"/task/*; do
    echo "${t##*/} $(tr ' ' '_' <"$t/comm" 2>/dev/null) $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null)"
  done
}

# wrk's latency figure (e.g. 812.00us, 1.20ms, 1.01s) in microseconds.
to_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = u == "us" ? 1 : u == "ms" ? 1000 : u == "s" ? 1000000 : u == "m" ? 60000000 : -1
    if (f < 0) { print "NaN"; exit 1 } printf "%.1f", n * f }'
}

# Each BPF program the JVM holds: "id type name run_time_ns run_cnt", from /proc/PID/fdinfo.
bpf_progs() {
  local f id type ns cnt name
  for f in /proc/"$1"/fdinfo/*; do
    grep -q '^prog_id:' "$f" 2>/dev/null || continue
    read -r id type ns cnt < <(awk '/^prog_id:/ { i = $2 } /^prog_type:/ { t = $2 } /^run_time_ns:/ { n = $2 }
      /^run_cnt:/ { c = $2 } END { print i, t, n + 0, c + 0 }' "$f")
    name=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* name \([^ ]*\).*/\1/p' | head -1)
    echo "$id $type ${name:-?} $ns $cnt"
  done | sort -u -k1,1n
}

app_pid=
stop_app() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM "$app_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  app_pid=
}
cleanup() {
  stop_app
  if [ -n "${stats_before:-}" ]; then sysctl -q kernel.bpf_stats_enabled="$stats_before"; fi
  if [ -n "$app_cgroup" ]; then rmdir "$app_cgroup" 2>/dev/null || true; fi
}
trap cleanup EXIT

# run_jvm COMPARISON VARIANT PAIR: one JVM, every mode measured in it.
run_jvm() {
  local comparison=$1 variant=$2 pair=$3
  local base=$out/$comparison-$variant-$pair
  local port_file=$base.port
  local -a agents
  read -r -a agents <<<"$(agent_args "$variant")"
  rm -f "$port_file"
  local -a env=()
  if uses_otel "$variant"; then
    # A recording server span on every request, nothing exported anywhere.
    env=(OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none
      OTEL_TRACES_SAMPLER=always_on OTEL_SERVICE_NAME=order-service)
  fi
  echo "service-overhead.sh: pair $pair/$pairs, $comparison: $variant (log $base.log)" >&2
  local -a place=()
  if [ -n "$app_cgroup" ]; then
    place=(sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$app_cgroup")
  fi
  env "${env[@]}" "${place[@]}" taskset -c "$app_cpu" "$java" "${java_opts[@]}" "${agents[@]}" -jar "$app_jar" \
    --server.port=0 --orders.port-file="$port_file" "${app_args[@]}" >"$base.log" 2>&1 &
  app_pid=$!
  local port="" i
  for i in $(seq 1 600); do
    kill -0 "$app_pid" 2>/dev/null || { echo "service-overhead.sh: the application exited; $base.log:" >&2; tail -20 "$base.log" >&2; exit 1; }
    if [ -s "$port_file" ] && { ! uses_netdrop "$variant" || grep -q "^netdrop: watching" "$base.log"; }; then
      port=$(tr -d '[:space:]' <"$port_file")
      curl -fsS -o /dev/null "http://127.0.0.1:$port/orders" && break
    fi
    sleep 0.2
  done
  [ -n "$port" ] || { echo "service-overhead.sh: the application did not come up; $base.log" >&2; exit 1; }
  if [ -n "$app_cgroup" ] && ! grep -qx "0::/${app_cgroup#"$cg2"/}" "/proc/$app_pid/cgroup"; then
    echo "service-overhead.sh: the application is not in $app_cgroup: $(grep '^0::' "/proc/$app_pid/cgroup")" >&2
    exit 1
  fi
  if uses_netdrop "$variant"; then
    grep -q "^netdrop: watching" "$base.log" || { echo "service-overhead.sh: netdrop not watching: $base.log" >&2; exit 1; }
  elif grep -q "^netdrop:" "$base.log"; then
    echo "service-overhead.sh: netdrop printed in a run without it: $base.log" >&2
    exit 1
  fi
  local recording
  recording=$(curl -fsS -D - -o /dev/null "http://127.0.0.1:$port/orders" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-span-recording" { print $2 }')
  if uses_otel "$variant" && [ "$recording" != true ]; then
    echo "service-overhead.sh: no recording span under the OTel agent (X-Span-Recording: '${recording:-absent}'): $base.log" >&2
    exit 1
  elif ! uses_otel "$variant" && [ -n "$recording" ]; then
    echo "service-overhead.sh: a span without the OTel agent (X-Span-Recording: $recording)" >&2
    exit 1
  fi
  local mode
  for mode in "${modes[@]}"; do
    local -a wrk_args=(-t1 -c"$connections" --latency)
    [ "$mode" = close ] && wrk_args+=(-H 'Connection: close')
    local url=http://127.0.0.1:$port/orders
    taskset -c "$wrk_cpu" wrk "${wrk_args[@]}" -d"${warmup}s" "$url" >"$base-$mode-warmup.txt" 2>&1
    sleep 1 # let the tail of the warm-up (closing connections, a GC) settle outside the window
    local lines0 cpu0 agent0 cpu1 agent1 lines1
    lines0=$(wc -l <"$base.log")
    if [ -n "$profile" ]; then
      # jcmd splits an unquoted option at '=': the option goes in double quotes of its own.
      jcmd "$app_pid" JVMTI.agent_load "$ap_lib" "\"start,event=$profile,interval=1ms,threads\"" >/dev/null
    fi
    [ "$bpf_stats" = 1 ] && bpf_progs "$app_pid" >"$base-$mode.bpf0"
    cpu0=$(cpu_ticks "$app_pid")
    agent0=$(agent_ticks "$app_pid")
    threads_at_start "$app_pid" >"$base-$mode.threads0"
    taskset -c "$wrk_cpu" wrk "${wrk_args[@]}" -d"${duration}s" "$url" >"$base-$mode.txt" 2>&1
    cpu1=$(cpu_ticks "$app_pid")
    agent1=$(agent_ticks "$app_pid")
    threads_at_start "$app_pid" >"$base-$mode.threads1"
    [ "$bpf_stats" = 1 ] && bpf_progs "$app_pid" >"$base-$mode.bpf1"
    if [ -n "$profile" ]; then
      jcmd "$app_pid" JVMTI.agent_load "$ap_lib" "\"stop,file=$base-$mode.collapsed,collapsed\"" >/dev/null
    fi
    lines1=$(wc -l <"$base.log")
    local requests rps p50 p99 errors new_lines
    requests=$(awk '/requests in/ { print $1 }' "$base-$mode.txt")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$base-$mode.txt")
    p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$base-$mode.txt")")
    p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$base-$mode.txt")")
    errors=$(awk '/Non-2xx|Socket errors/ { print }' "$base-$mode.txt" | tr '\n' ' ')
    new_lines=$(sed -n "$((lines0 + 1)),${lines1}p" "$base.log" | grep -c "netdrop: drop" || true)
    if [ -z "$requests" ] || [ "$requests" -eq 0 ]; then
      echo "service-overhead.sh: wrk served nothing: $base-$mode.txt" >&2
      exit 1
    fi
    local cpu_us agent_us
    cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v n="$requests" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
    agent_us=$(awk -v t=$((agent1 - agent0)) -v n="$requests" -v hz="$hz" 'BEGIN { printf "%.3f", t / hz * 1e6 / n }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$comparison" "$mode" "$pair" "$variant" \
      "$requests" "$rps" "$p50" "$p99" "$cpu_us" "$agent_us" "$new_lines" "${errors:-}" >>"$runs"
    # CPU per request by thread name (numbers stripped), and by BPF program, beside the raw output.
    join <(sort "$base-$mode.threads0") <(sort "$base-$mode.threads1") |
      awk -v n="$requests" -v hz="$hz" '{ c = $2; gsub(/[0-9]+$/, "N", c); d[c] += $5 - $3 }
        END { for (c in d) if (d[c] > 0) printf "%8.3f us/req  %s\n", d[c] / hz * 1e6 / n, c }' |
      sort -rn >"$base-$mode.threads"
    if [ "$bpf_stats" = 1 ]; then
      join <(sort "$base-$mode.bpf0") <(sort "$base-$mode.bpf1") |
        awk -v n="$requests" '{ dn = $8 - $4; dc = $9 - $5; if (dc > 0)
          printf "%8.3f us/req  %6.2f runs/req  %7.0f ns/run  %s %s (id %s)\n", dn / 1000 / n, dc / n, dn / dc, $2, $3, $1 }' |
        sort -rn >"$base-$mode.bpf"
    fi
    echo "service-overhead.sh:   $mode: $rps req/s, p50 $p50 us, p99 $p99 us, CPU $cpu_us us/req" \
      "(netdrop threads $agent_us), netdrop lines in window: $new_lines ${errors:+, wrk: $errors}" >&2
  done
  stop_app
}

{
  echo "# netdrop service-overhead benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $commit; kernel $(uname -r); $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1));" \
    "jdk: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# command: CGROUP=$cgroup_mode PAIRS=$pairs DURATION=$duration WARMUP=$warmup MODES='${modes[*]}' COMPARISONS='${comparisons[*]}'" \
    "CONNECTIONS=$connections APP_ARGS='${app_args[*]}'${BASELINE:+ BASELINE=$BASELINE}${JAVA_OPTS:+ JAVA_OPTS='$JAVA_OPTS'}${PROFILE:+ PROFILE=$PROFILE} bench/service-overhead.sh"
  echo "# app (cgroup: $cgroup_mode): taskset -c $app_cpu java [agents] -jar examples/spring-demo/target/spring-demo.jar, GET /orders;" \
    "load: taskset -c $wrk_cpu wrk -t1 -c$connections --latency -d${duration}s [-H 'Connection: close'], after ${warmup}s of the same"
} | tee "$summary" >&2
printf 'comparison\tmode\tpair\tvariant\trequests\trps\tp50_us\tp99_us\tcpu_us_per_req\tnetdrop_threads_us_per_req\tnetdrop_lines\twrk_errors\n' >"$runs"

for pair in $(seq 1 "$pairs"); do
  for comparison in "${comparisons[@]}"; do
    read -r a b <<<"$(variants_of "$comparison")"
    if [ $((pair % 2)) -eq 1 ]; then order="$a $b"; else order="$b $a"; fi
    for variant in $order; do
      run_jvm "$comparison" "$variant" "$pair"
    done
  done
done

# Tables: per comparison and mode, each variant's median [min-max] over the pairs, and B/A per pair
# summarised as median [min-max over pairs].
python3 - "$runs" "$pairs" >>"$summary" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
variants = {"netdrop": ("without", "with"), "otel": ("otel", "otel+netdrop"),
            "baseline": ("before", "now"), "baseline-otel": ("otel+before", "otel+now")}
figures = [("rps", "requests/s", "%.0f", ">= 0.99"), ("p50_us", "p50 latency, µs", "%.0f", ""),
           ("p99_us", "p99 latency, µs", "%.0f", "<= 1.02"),
           ("cpu_us_per_req", "application CPU per request, µs", "%.1f", "<= 1.02"),
           ("netdrop_threads_us_per_req", "netdrop's threads' CPU per request, µs", "%.2f", "")]
def rng(xs, fmt):
    return (fmt % statistics.median(xs)) + " [" + (fmt % min(xs)) + "–" + (fmt % max(xs)) + "]"
seen = []
for r in rows:
    k = (r["comparison"], r["mode"])
    if k not in seen:
        seen.append(k)
for comparison, mode in seen:
    a, b = variants[comparison]
    by = {}
    for r in rows:
        if (r["comparison"], r["mode"]) == (comparison, mode):
            by[(r["variant"], r["pair"])] = r
    pairs = sorted({p for (_, p) in by if (a, p) in by and (b, p) in by}, key=int)
    what = "keep-alive" if mode == "keepalive" else "a new connection per request (Connection: close)"
    print(f"\n### {b} / {a}, {what}: {len(pairs)} pairs\n")
    print(f"| | {a}: median [min–max] | {b}: median [min–max] | **{b} / {a}**: median of the pairs' ratios [min–max] | goal |")
    print("|---|---:|---:|---:|---|")
    for key, name, fmt, goal in figures:
        xa = [float(by[(a, p)][key]) for p in pairs]
        xb = [float(by[(b, p)][key]) for p in pairs]
        if key == "netdrop_threads_us_per_req":
            print(f"| {name} | {rng(xa, fmt)} | {rng(xb, fmt)} | | |")
            continue
        ratios = [y / x for x, y in zip(xa, xb) if x > 0]
        print(f"| {name} | {rng(xa, fmt)} | {rng(xb, fmt)} | **{rng(ratios, '%.3f')}** | {goal} |")
    lines = [int(by[(v, p)]["netdrop_lines"]) for v in (a, b) for p in pairs]
    errs = sorted({by[(v, p)]["wrk_errors"].strip() for v in (a, b) for p in pairs} - {""})
    print(f"\nnetdrop lines printed during the measured windows: {sum(lines)}"
          + (f"; wrk reported: {'; '.join(errs)}" if errs else "; wrk reported no errors"))
EOF
echo >&2
cat "$summary"
echo "service-overhead.sh: raw results in $out" >&2
