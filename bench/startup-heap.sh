#!/usr/bin/env bash
# What the netdrop agent costs a JVM's start-up, live heap and allocation rate (issue #11), in
# alternating runs (without, with, without, with, ...) so that a drift of the machine shows up in
# both columns rather than as overhead:
#   spring: examples/spring-demo/target/spring-demo.jar. Start-up is the time from the JVM's
#     launch to the first successful `GET /orders` (curl polling without pause), and to netdrop's
#     "netdrop: watching" line. Then, idle: the live heap (the total of `jcmd PID
#     GC.class_histogram`, which counts only what survives a full GC) and RSS; then the
#     allocation rate over STEADY_SECONDS of light steady load (RATE requests a second, a new
#     connection each), from JFR's jdk.ThreadAllocationStatistics (per thread: netdrop's own
#     threads are counted apart as well; JFR's and jcmd's threads are left out).
#   idle: bench/IdleApp.java, a plain JDK app waiting on stdin: live heap, RSS, and the allocation
#     rate over IDLE_SECONDS of doing nothing.
#   otel: the Spring demo's start-up under the OpenTelemetry Java agent alone against the
#     OpenTelemetry Java agent + netdrop (exporters off, so nothing tries to reach a collector).
#
#   bench/startup-heap.sh                    (root: the agent loads BPF)
#   REPEATS=10 STEADY_SECONDS=60 bench/startup-heap.sh
#   BASELINE=b142de6 bench/startup-heap.sh   (adds the agent built at that commit as a third arm)
#   ONLY=idle bench/startup-heap.sh          (spring, idle or otel alone)
# (defaults: REPEATS=5, STEADY_SECONDS=30, RATE=10, IDLE_SECONDS=20, SETTLE_SECONDS=5,
#  ONLY=spring,idle,otel, START_TIMEOUT_SECONDS=300: a run not answering by then is left out)
#
# Histograms, logs and recordings of each run go to bench/results/startup-heap-<time>/; the tables
# are printed at the end and kept there in summary.md, with histo-diff.txt (the classes whose live
# bytes differ most between the first Spring runs without and with the agent). Each thread's
# allocation: java bench/JfrAllocation.java <run>.jfr threads.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "startup-heap.sh: must run as root (the agent loads a BPF program)" >&2
  exit 1
fi

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jcmd="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
javac="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
repeats=${REPEATS:-5}
steady=${STEADY_SECONDS:-30}
rate=${RATE:-10}
idle_seconds=${IDLE_SECONDS:-20}
settle=${SETTLE_SECONDS:-5}
start_timeout=${START_TIMEOUT_SECONDS:-300}
only=${ONLY:-spring,idle,otel}
agent=$PWD/agent/target/netdrop-agent.jar
spring=$PWD/examples/spring-demo/target/spring-demo.jar
otel=$(ls "$PWD"/agent/target/test-libs/opentelemetry-javaagent-*.jar 2>/dev/null | head -1 || true)
for f in "$agent" "$spring"; do
  [ -f "$f" ] || { echo "startup-heap.sh: $f missing; run mvn -DskipTests package first" >&2; exit 1; }
done
base_jar=""
if [ -n "${BASELINE:-}" ]; then
  base_jar=$(bench/agent-at.sh "$BASELINE")
fi

out=$PWD/bench/results/startup-heap-$(date -u +%Y%m%dT%H%M%S)
mkdir -p "$out"
"$javac" -d "$out/classes" bench/IdleApp.java
cat >"$out/alloc.jfc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics">
    <setting name="enabled">true</setting>
    <setting name="period">1 s</setting>
  </event>
</configuration>
EOF
otel_off=(-Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none)

# The -javaagent options of an arm.
agent_opts() {
  case $1 in
    none) ;;
    netdrop) echo "-javaagent:$agent" ;;
    base) echo "-javaagent:$base_jar" ;;
    otel) echo "-javaagent:$otel ${otel_off[*]}" ;;
    otel+netdrop) echo "-javaagent:$otel ${otel_off[*]} -javaagent:$agent" ;;
  esac
}

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t/./} / 1000 )); }

# Prefixes each line with the milliseconds since the epoch it was read at.
stamp() { while IFS= read -r l; do printf '%s %s\n' "$(now_ms)" "$l"; done; }

free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}

# Waits (up to 60 s) for netdrop's ready line in a stamped log; prints its time, or nothing.
ready_at() {
  local log=$1 i
  for i in $(seq 600); do
    local l
    l=$(grep -m1 'netdrop: watching' "$log" || true)
    if [ -n "$l" ]; then echo "${l%% *}"; return; fi
    grep -q 'netdrop: not started' "$log" && { grep 'netdrop:' "$log" >&2; return; }
    sleep 0.1
  done
}

# Live heap (bytes, from the histogram of live objects) and RSS (kB) of PID; keeps the histogram.
heap_rss() {
  local pid=$1 name=$2
  "$jcmd" "$pid" GC.run >/dev/null
  "$jcmd" "$pid" GC.class_histogram >"$out/$name.histo"
  local live rss
  live=$(awk '$1 == "Total" { print $3 }' "$out/$name.histo")
  rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$pid"/status)
  echo "$live $rss"
}

# Allocation over SECONDS, with PORT under light load (RATE requests a second, a new connection
# each) or idle: "<B/s> <netdrop threads' B/s> <requests>". JFR (jdk.ThreadAllocationStatistics
# once a second) starts SETTLE seconds before the window, so that jcmd's own attach connection is
# long closed when it opens (the agent's /proc scan reads the namespace's socket tables for a
# socket it sees twice unknown: on a busy host that is megabytes), and the window's edges are
# taken by the clock, not by jcmd.
alloc_rate() {
  local pid=$1 name=$2 seconds=$3 port=${4:-}
  "$jcmd" "$pid" JFR.start name=alloc settings="$out/alloc.jfc" filename="$out/$name.jfr" >/dev/null
  sleep "$settle"
  local from end requests=0
  from=$(now_ms)
  end=$(( from + seconds * 1000 ))
  if [ -n "$port" ]; then
    local gap next
    gap=$(( 1000 / rate ))
    next=$from
    while [ "$(now_ms)" -lt "$end" ]; do
      curl -s -o /dev/null "http://127.0.0.1:$port/orders" && requests=$(( requests + 1 )) || true
      next=$(( next + gap ))
      local wait=$(( next - $(now_ms) ))
      [ "$wait" -gt 0 ] && sleep "$(printf '0.%03d' "$wait")"
    done
  else
    sleep "$seconds"
  fi
  local to
  to=$(now_ms)
  sleep 1.5 # the next emission, so that the last one at or before the end is in the file
  "$jcmd" "$pid" JFR.stop name=alloc >/dev/null
  echo "$("$java" bench/JfrAllocation.java "$out/$name.jfr" "$from" "$to" | awk '{ print $1, $2 }') $requests"
}

# CPU time (user + system, ms) PID has used so far: on a busy machine, steadier than wall time.
cpu_ms() {
  local hz
  hz=$(getconf CLK_TCK)
  awk -v hz="$hz" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' /proc/"$1"/stat
}

stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# One Spring demo run: "<ms to first response> <ms to ready or -> <live B> <RSS kB> <B/s> <agent B/s>
# <requests in the window> <CPU ms to first response>".
spring_run() {
  local arm=$1 name=$2 measure=$3
  local port log
  port=$(free_port)
  log=$out/$name.log
  local t0 pid
  t0=$(now_ms)
  # shellcheck disable=SC2046
  "$java" $(agent_opts "$arm") -jar "$spring" --server.port="$port" --orders.payments.nft=false \
    > >(stamp >"$log") 2>&1 &
  pid=$!
  local first="" cpu="-"
  for _ in $(seq 200000); do
    if curl -s -f -o /dev/null "http://127.0.0.1:$port/orders" 2>/dev/null; then
      first=$(( $(now_ms) - t0 ))
      cpu=$(cpu_ms "$pid")
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    [ $(( $(now_ms) - t0 )) -gt $(( start_timeout * 1000 )) ] && break
  done
  [ -n "$first" ] || { echo "startup-heap.sh: $name never answered; see $log" >&2; stop "$pid"; return 1; }
  local ready="-"
  if [ "$arm" != none ] && [ "$arm" != otel ]; then
    local r
    r=$(ready_at "$log")
    [ -n "$r" ] && ready=$(( r - t0 ))
  fi
  if [ "$measure" = yes ]; then
    sleep 2 # idle: the first request's and netdrop's start-up garbage is collected by the full GC
    local hr ar
    hr=$(heap_rss "$pid" "$name")
    ar=$(alloc_rate "$pid" "$name" "$steady" "$port")
    echo "$first $ready $hr $ar $cpu"
  else
    echo "$first $ready - - - - - $cpu"
  fi
  stop "$pid"
}

# One idle-app run: "- <ms to ready or -> <live B> <RSS kB> <B/s> <agent B/s> <requests: 0> -".
idle_run() {
  local arm=$1 name=$2
  local log=$out/$name.log pid t0
  t0=$(now_ms)
  # shellcheck disable=SC2046
  sleep 100000 &
  local feeder=$!
  "$java" $(agent_opts "$arm") -cp "$out/classes" IdleApp < <(tail -f /dev/null --pid="$feeder") > >(stamp >"$log") 2>&1 &
  pid=$!
  local ready="-"
  if [ "$arm" != none ]; then
    local r
    r=$(ready_at "$log")
    [ -n "$r" ] && ready=$(( r - t0 ))
  else
    for _ in $(seq 300); do grep -q 'idle: ready' "$log" && break; sleep 0.1; done
  fi
  sleep 2
  local hr ar
  hr=$(heap_rss "$pid" "$name")
  ar=$(alloc_rate "$pid" "$name" "$idle_seconds")
  echo "- $ready $hr $ar -"
  kill "$feeder" 2>/dev/null || true
  stop "$pid"
}

arms_with=(netdrop)
[ -n "$base_jar" ] && arms_with=(base netdrop)
results=$out/results.txt # "<scenario> <arm> <repeat> <first ms> <ready ms> <live B> <rss kB> <B/s> <agent B/s> <requests> <cpu ms>"
: >"$results"
for r in $(seq "$repeats"); do
  for scenario in spring idle otel; do
    [[ ",$only," == *",$scenario,"* ]] || continue
    if [ "$scenario" = otel ]; then
      [ -n "$otel" ] || { echo "startup-heap.sh: no OpenTelemetry Java agent in agent/target/test-libs" >&2; continue; }
      arms=(otel otel+netdrop)
    else
      arms=(none "${arms_with[@]}")
    fi
    # Alternate which arm goes first, so neither always runs right after the other.
    if [ $(( r % 2 )) -eq 0 ]; then
      rev=(); for (( i=${#arms[@]}-1; i>=0; i-- )); do rev+=("${arms[i]}"); done; arms=("${rev[@]}")
    fi
    for arm in "${arms[@]}"; do
      name=$scenario-$arm-$r
      case $scenario in
        # A run that never answers is reported and left out; the others go on.
        spring) line=$(spring_run "$arm" "$name" yes) || line="- - - - - - - -" ;;
        otel) line=$(spring_run "$arm" "$name" no) || line="- - - - - - - -" ;;
        idle) line=$(idle_run "$arm" "$name") ;;
      esac
      echo "$scenario $arm $r $line" | tee -a "$results" >&2
    done
  done
done

# The classes whose live bytes differ most between the first runs without and with the agent.
if [ -f "$out/spring-none-1.histo" ] && [ -f "$out/spring-netdrop-1.histo" ]; then
  awk 'FNR == 1 { f++ } $1 ~ /^[0-9]+:$/ { b[$4] += (f == 1 ? -$3 : $3) }
       END { for (c in b) if (b[c] != 0) printf "%12d %s\n", b[c], c }' \
    "$out/spring-none-1.histo" "$out/spring-netdrop-1.histo" | sort -nr | head -40 >"$out/histo-diff.txt" || true # head ends sort early
fi

commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- agent bench || echo "+dirty")
{
  echo "$(date -u +%Y-%m-%d) · commit $commit · \`REPEATS=$repeats STEADY_SECONDS=$steady RATE=$rate IDLE_SECONDS=$idle_seconds${BASELINE:+ BASELINE=$BASELINE} bench/startup-heap.sh\` · $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end · $("$java" -version 2>&1 | head -1)"
  echo
  awk -v base="${BASELINE:-}" -v steady="$steady" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
      return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
    }
    function minmax(a, n,   i, lo, hi) {
      lo = a[1]; hi = a[1]
      for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
      return sprintf(fmt, lo) "–" sprintf(fmt, hi)
    }
    # stat(key): "median (min–max)" of the values collected under key, in format fmt.
    function stat(key,   n, i, a) {
      n = cnt[key]; if (n == 0) return "–"
      for (i = 1; i <= n; i++) a[i] = val[key, i]
      return sprintf(fmt, median(a, n)) " (" minmax(a, n) ")"
    }
    function add(key, v, div) { if (v == "-" || v == "") return; val[key, ++cnt[key]] = div ? v / div : v }
    {
      s = $1; arm = $2; r = $3
      add(s SUBSEP arm SUBSEP "first", $4, 1000)
      add(s SUBSEP arm SUBSEP "ready", $5, 1000)
      add(s SUBSEP arm SUBSEP "live", $6, 1048576)
      add(s SUBSEP arm SUBSEP "rss", $7, 1024)
      add(s SUBSEP arm SUBSEP "alloc", $8, 1048576)
      add(s SUBSEP arm SUBSEP "agentalloc", $9, 1024)
      add(s SUBSEP arm SUBSEP "cpu", $11, 1000)
      add(s SUBSEP arm SUBSEP "requests", $10)
      if ($10 != "-" && $10 > 0) { add(s SUBSEP arm SUBSEP "perreq", $8 * steady / $10, 1024); perreq[s, arm, r] = $8 * steady / $10 }
      run[s, arm, r] = $0; first[s, arm, r] = $4; cpu[s, arm, r] = $11; live[s, arm, r] = $6; rss[s, arm, r] = $7; alloc[s, arm, r] = $8
      if (r > maxr) maxr = r
      seen[s, arm] = 1
    }
    # Per repeat: ratio or difference of arm against ref, collected under key.
    function pair(s, arm, ref, key,   r) {
      for (r = 1; r <= maxr; r++) {
        if (!((s, arm, r) in run) || !((s, ref, r) in run)) continue
        if (first[s, ref, r] != "-" && first[s, arm, r] != "-") add(key SUBSEP "first", first[s, arm, r] / first[s, ref, r])
        if (cpu[s, ref, r] != "-" && cpu[s, arm, r] != "-" && cpu[s, ref, r] > 0) add(key SUBSEP "cpu", cpu[s, arm, r] / cpu[s, ref, r])
        if (live[s, ref, r] != "-") add(key SUBSEP "live", (live[s, arm, r] - live[s, ref, r]) / 1048576)
        if (rss[s, ref, r] != "-") add(key SUBSEP "rss", (rss[s, arm, r] - rss[s, ref, r]) / 1024)
        if (alloc[s, ref, r] != "-" && alloc[s, ref, r] > 0) add(key SUBSEP "alloc", alloc[s, arm, r] / alloc[s, ref, r])
        if (((s, ref, r) in perreq) && ((s, arm, r) in perreq)) add(key SUBSEP "perreq", perreq[s, arm, r] / perreq[s, ref, r])
      }
    }
    END {
      n_arms = split(base != "" ? "none base netdrop" : "none netdrop", arms, " ")
      label["none"] = "without"; label["netdrop"] = "netdrop (now)"; label["base"] = "netdrop at " base
      label["otel"] = "OTel agent"; label["otel+netdrop"] = "OTel agent + netdrop (now)"
      if (seen["spring", "none"]) {
        print "**Spring demo** (`GET /orders`; median (min–max) over the repeats)"
        print ""
        print "| | start → first response (s) | CPU time to it (s) | start → netdrop watching (s) | live heap (MB) | RSS (MB) | allocation (MB/s) | of it netdrop threads (kB/s) | requests in the window | allocation per request (kB) |"
        print "|---|---|---|---|---|---|---|---|---|---|"
        for (i = 1; i <= n_arms; i++) {
          a = arms[i]; k = "spring" SUBSEP a
          fmt = "%.2f"; f1 = stat(k SUBSEP "first"); f2 = stat(k SUBSEP "ready"); fc = stat(k SUBSEP "cpu")
          fmt = "%.1f"; f3 = stat(k SUBSEP "live"); f4 = stat(k SUBSEP "rss"); f6 = stat(k SUBSEP "agentalloc")
          fmt = "%.3f"; f5 = stat(k SUBSEP "alloc")
          fmt = "%d"; f7 = stat(k SUBSEP "requests")
          fmt = "%.1f"; f8 = stat(k SUBSEP "perreq")
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label[a], f1, fc, f2, f3, f4, f5, f6, f7, f8
        }
        for (i = 2; i <= n_arms; i++) {
          a = arms[i]; k = "spring-vs" SUBSEP a; pair("spring", a, "none", k)
          fmt = "%.2f"; f1 = stat(k SUBSEP "first") "×"; f5 = stat(k SUBSEP "alloc") "×"; fc = stat(k SUBSEP "cpu") "×"
          fmt = "%+.1f"; f3 = stat(k SUBSEP "live") " MB"; f4 = stat(k SUBSEP "rss") " MB"
          fmt = "%.2f"; f8 = stat(k SUBSEP "perreq") "×"
          printf "| %s / without, per repeat | %s | %s | | %s | %s | %s | | | %s |\n", label[a], f1, fc, f3, f4, f5, f8
        }
        print ""
      }
      if (seen["idle", "none"]) {
        print "**Idle plain-JDK app** (bench/IdleApp.java)"
        print ""
        print "| | start → netdrop watching (s) | live heap (MB) | RSS (MB) | allocation (kB/s) | of it netdrop threads (kB/s) |"
        print "|---|---|---|---|---|---|"
        for (i = 1; i <= n_arms; i++) {
          a = arms[i]; k = "idle" SUBSEP a
          fmt = "%.2f"; f2 = stat(k SUBSEP "ready")
          fmt = "%.1f"; f3 = stat(k SUBSEP "live"); f4 = stat(k SUBSEP "rss")
          n = cnt[k SUBSEP "alloc"]; for (j = 1; j <= n; j++) val[k SUBSEP "alloc", j] *= 1024
          f5 = stat(k SUBSEP "alloc"); f6 = stat(k SUBSEP "agentalloc")
          printf "| %s | %s | %s | %s | %s | %s |\n", label[a], f2, f3, f4, f5, f6
        }
        for (i = 2; i <= n_arms; i++) {
          a = arms[i]; k = "idle-vs" SUBSEP a; pair("idle", a, "none", k)
          fmt = "%+.1f"; f3 = stat(k SUBSEP "live") " MB"; f4 = stat(k SUBSEP "rss") " MB"
          fmt = "%.2f"; f5 = stat(k SUBSEP "alloc") "×"
          printf "| %s / without, per repeat | | %s | %s | %s | |\n", label[a], f3, f4, f5
        }
        print ""
      }
      if (seen["otel", "otel"]) {
        print "**Spring demo under the OpenTelemetry Java agent** (exporters `none`)"
        print ""
        print "| | start → first response (s) | CPU time to it (s) | start → netdrop watching (s) |"
        print "|---|---|---|---|"
        fmt = "%.2f"
        printf "| %s | %s | %s | – |\n", label["otel"], stat("otel" SUBSEP "otel" SUBSEP "first"), stat("otel" SUBSEP "otel" SUBSEP "cpu")
        printf "| %s | %s | %s | %s |\n", label["otel+netdrop"], stat("otel" SUBSEP "otel+netdrop" SUBSEP "first"), stat("otel" SUBSEP "otel+netdrop" SUBSEP "cpu"), stat("otel" SUBSEP "otel+netdrop" SUBSEP "ready")
        k = "otel-vs"; pair("otel", "otel+netdrop", "otel", k)
        printf "| ratio per repeat | %s× | %s× | |\n", stat(k SUBSEP "first"), stat(k SUBSEP "cpu")
        print ""
      }
    }' "$results"
} | tee "$out/summary.md"
echo "startup-heap.sh: runs, histograms and recordings in $out" >&2
