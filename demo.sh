#!/usr/bin/env bash
# One-command netdrop demo: installs what is missing, builds, starts a trace UI (Zipkin) on
# 127.0.0.1, runs a demo service beside the OpenTelemetry Java agent with netdrop, calls each of
# its endpoints once (each makes the kernel drop packets for another reason, inside a traced
# request), and shows the drops: folded console lines, a summary per reason and connection, and
# the URL of a trace with its drop events, of which it takes a screenshot in headless Chromium.
#
#   ./demo.sh [spring|netty]        (default: spring; as root: the agent loads BPF)
#
# With a terminal the trace UI stays up until Ctrl-C; without one (CI) the demo stops by itself.
#
# Environment (all optional):
#   DEMO_ROUNDS=1              calls per endpoint
#   ZIPKIN_PORT=9411           the trace UI's port on 127.0.0.1
#   DEMO_SCREENSHOT=path       where the screenshot goes (default target/demo/<mode>-trace.png)
#   DEMO_KEEP_UP=0|1           keep the UI up until Ctrl-C (default: 1 with a terminal, else 0)
#   JAVA_HOME                  the JDK to run with (default: java on PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE="${1:-spring}"
ROUNDS="${DEMO_ROUNDS:-1}"
ZIPKIN_PORT="${ZIPKIN_PORT:-9411}"
ZIPKIN_VERSION=3.5.1
WORK="$ROOT/target/demo"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
APP_PID=""
ZIPKIN_PID=""

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'demo.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

# Stops a process we started: SIGTERM, then SIGKILL after 20 s.
stop_pid() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  stop_pid "$APP_PID"
  APP_PID=""
  stop_pid "$ZIPKIN_PID"
  ZIPKIN_PID=""
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Installs the Debian packages named after each missing command/file ("probe:package ...").
ensure_packages() {
  local wanted=() probe pkg
  for pair in "$@"; do
    probe="${pair%%:*}" pkg="${pair#*:}"
    if [[ "$probe" == /* ]]; then [[ -e "$probe" ]] && continue; else command -v "$probe" >/dev/null && continue; fi
    wanted+=("$pkg")
  done
  ((${#wanted[@]})) || return 0
  [[ $EUID -eq 0 ]] || die "missing ${wanted[*]}: install them (apt-get install -y ${wanted[*]}) or run as root"
  command -v apt-get >/dev/null || die "missing ${wanted[*]} and no apt-get to install them with"
  say "installing ${wanted[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

prerequisites() {
  [[ $EUID -eq 0 ]] || die "run as root: netdrop loads BPF (CAP_BPF, CAP_PERFMON) and the demo adds an nftables rule on loopback"
  [[ -n "${JAVA_HOME:-}" ]] || ensure_packages java:openjdk-17-jdk-headless
  ensure_packages mvn:maven clang:clang /usr/include/bpf/bpf_helpers.h:libbpf-dev \
    nft:nftables ip:iproute2 curl:curl chromium:chromium
  local major
  major="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }')"
  [[ "${major%%.*}" =~ ^[0-9]+$ ]] && ((${major%%.*} >= 17)) ||
    die "the demos need Java 17 or newer; $JAVA is version '${major:-unknown}' (set JAVA_HOME)"
  if [[ ! -d /sys/kernel/tracing/events ]]; then
    mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
  fi
}

mvn_quiet() {
  (cd "$ROOT" && mvn -B -q -ntp "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d')
}

build() {
  say "building the agent and examples/$MODE-demo (mvn package, tests skipped)"
  mvn_quiet -DskipTests package -pl "examples/$MODE-demo" -am
  ZIPKIN_JAR="$WORK/zipkin-server-$ZIPKIN_VERSION-exec.jar"
  if [[ ! -f "$ZIPKIN_JAR" ]]; then
    say "fetching the Zipkin server $ZIPKIN_VERSION (from Maven Central, once)"
    mvn_quiet org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" -DoutputDirectory="$WORK"
  fi
}

start_zipkin() {
  if curl -fsS -o /dev/null "http://127.0.0.1:$ZIPKIN_PORT/health" 2>/dev/null; then
    die "something already answers on 127.0.0.1:$ZIPKIN_PORT; stop it or set ZIPKIN_PORT"
  fi
  say "starting the Zipkin server on http://127.0.0.1:$ZIPKIN_PORT (in memory)"
  "$JAVA" -Xmx512m -jar "$ZIPKIN_JAR" \
    --armeria.ports[0].ip=127.0.0.1 --armeria.ports[0].port="$ZIPKIN_PORT" \
    --armeria.ports[0].protocols[0]=http >"$WORK/zipkin.log" 2>&1 &
  ZIPKIN_PID=$!
}

await_zipkin() {
  for _ in $(seq 1 1200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$ZIPKIN_PORT/health" 2>/dev/null && return 0
    kill -0 "$ZIPKIN_PID" 2>/dev/null || { tail -n 20 "$WORK/zipkin.log" >&2; die "Zipkin exited (log: $WORK/zipkin.log)"; }
    sleep 0.1
  done
  die "Zipkin did not answer within 2 minutes (log: $WORK/zipkin.log)"
}

# The app, with the OpenTelemetry Java agent first and netdrop beside it; traces go to Zipkin.
start_app() {
  local jar="$1" otel="$2" log="$3"
  shift 3
  say "starting the $MODE demo with -javaagent:opentelemetry-javaagent.jar -javaagent:netdrop-agent.jar"
  "$JAVA" -javaagent:"$otel" -javaagent:"$ROOT/agent/target/netdrop-agent.jar" \
    -Dotel.service.name="$MODE-demo" \
    -Dotel.traces.exporter=zipkin \
    -Dotel.exporter.zipkin.endpoint="http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans" \
    -Dotel.bsp.schedule.delay=500 \
    -Dotel.metrics.exporter=logging-otlp -Dotel.metric.export.interval=5000 \
    -Dotel.logs.exporter=none \
    -jar "$jar" "$@" >"$log" 2>&1 &
  APP_PID=$!
}

# Waits for the app's port file and netdrop's "watching" line; prints the port.
await_app() {
  local port_file="$1" log="$2"
  for _ in $(seq 1 3000); do
    kill -0 "$APP_PID" 2>/dev/null || { tail -n 40 "$log" >&2; die "the app exited before it was ready (log: $log)"; }
    if grep -q '^netdrop: not started' "$log"; then
      grep '^netdrop: ' "$log" >&2
      die "netdrop could not start (see docs/troubleshooting.md); the app runs on without it"
    fi
    if [[ -s "$port_file" ]] && grep -q '^netdrop: watching' "$log"; then
      tr -dc '0-9' <"$port_file"
      return 0
    fi
    sleep 0.1
  done
  die "the app was not ready within 5 minutes (log: $log)"
}

# POSTs each endpoint; prints "endpoint trace-id" lines on stdout and each answer on stderr.
load() {
  local base="$1"
  shift
  local endpoint headers body trace
  for ((i = 1; i <= ROUNDS; i++)); do
    for endpoint in "$@"; do
      headers="$(mktemp)"
      body="$(curl -fsS -X POST -D "$headers" "$base/$endpoint")" || die "POST $base/$endpoint failed"
      trace="$(awk -F': ' 'tolower($1) == "x-trace-id" { gsub(/\r/, "", $2); print $2 }' "$headers")"
      rm -f "$headers"
      printf '  POST /%s  trace %s\n    %s\n' "$endpoint" "${trace:-?}" "$body" >&2
      echo "$endpoint ${trace:-}"
    done
  done
}

# The agent's drop lines (already folded per burst), then a summary per reason and connection.
show_drops() {
  local log="$1"
  echo
  say "netdrop's console (one line per drop, a burst folded into one line with count=N)"
  grep -E '^[0-9TZ:.-]+ netdrop: drop ' "$log" | sed -E 's/^[0-9-]+T([0-9:.]+)Z netdrop: drop /\1 /' || echo "(none)"
  echo
  say "drops per reason and connection"
  grep -E '^[0-9TZ:.-]+ netdrop: drop ' "$log" | awk '
    {
      reason = $4; n = 1; conn = ""
      for (i = 5; i <= NF; i++) {
        if ($i ~ /^conn=/) conn = substr($i, 6) " " $(i + 1)
        if ($i ~ /^count=/) n = substr($i, 7) + 0
      }
      if (conn == "") { for (i = 5; i <= NF; i++) if ($i == ">") { conn = "listener " $(i + 1); break } }
      key = sprintf("%-16s %s", reason, conn); sum[key] += n
    }
    END { for (k in sum) printf "  %6d  %s\n", sum[k], k }' | sort -k2,2 -k1,1nr
}

trace_has_drops() {
  curl -fsS "http://127.0.0.1:$ZIPKIN_PORT/api/v2/trace/$1" 2>/dev/null | grep -q 'linux.skb.drop'
}

screenshot() {
  local url="$1" out="$2" profile
  profile="$(mktemp -d)"
  say "screenshot of the trace page (headless Chromium) -> ${out#"$ROOT"/}"
  # The Zipkin UI builds the page in JavaScript: give it virtual time to load the trace.
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1600,1000 --virtual-time-budget=15000 \
    --screenshot="$out" "$url" >"$WORK/chromium.log" 2>&1 || say "chromium failed (log: $WORK/chromium.log)"
  rm -rf "$profile"
}

run() {
  local dir="$ROOT/examples/$MODE-demo" log="$WORK/$MODE-app.log" port_file="$WORK/$MODE.port"
  local otel="$dir/target/otel/opentelemetry-javaagent.jar" jar endpoints base port
  mkdir -p "$WORK"
  build
  start_zipkin
  rm -f "$port_file"
  case "$MODE" in
    spring)
      jar="$dir/target/spring-demo.jar"
      endpoints=(orders/inventory orders/reports orders/metrics orders/payments orders/pricing)
      start_app "$jar" "$otel" "$log" --server.port=0 --orders.port-file="$port_file" ;;
    netty)
      jar="$dir/target/netty-demo.jar"
      endpoints=(inventory reports metrics payments pricing)
      start_app "$jar" "$otel" "$log" --port 0 --port-file "$port_file" ;;
  esac
  await_zipkin
  port="$(await_app "$port_file" "$log")"
  base="http://127.0.0.1:$port"
  say "the $MODE demo answers on $base; calling each endpoint (the load step)"
  local calls
  calls="$(load "$base" "${endpoints[@]}")"
  sleep 3 # the last bursts fold, the listener's drop counter is read, the spans are exported
  show_drops "$log"

  # The trace to show: the UDP burst's (a span event and a child span with the folded burst).
  local trace ui
  trace="$(awk '$1 ~ /metrics$/ && $2 != "" { print $2 }' <<<"$calls" | tail -n 1)"
  [[ -n "$trace" ]] || die "the app returned no trace id (is the OpenTelemetry agent running? log: $log)"
  for _ in $(seq 1 150); do trace_has_drops "$trace" && break; sleep 0.2; done
  trace_has_drops "$trace" || die "Zipkin has no drop on trace $trace (log: $log)"
  ui="http://127.0.0.1:$ZIPKIN_PORT/zipkin/traces/$trace"
  screenshot "$ui" "${DEMO_SCREENSHOT:-$WORK/$MODE-trace.png}"
  echo
  say "every request's trace:"
  while read -r endpoint id; do
    [[ -n "$id" ]] && printf '  %-18s http://127.0.0.1:%s/zipkin/traces/%s\n' "$endpoint" "$ZIPKIN_PORT" "$id"
  done <<<"$calls"
  echo
  echo "trace with its drop events: $ui"
  if [[ "${DEMO_KEEP_UP:-$([[ -t 0 && -t 1 ]] && echo 1 || echo 0)}" == 1 ]]; then
    say "the trace UI stays up at http://127.0.0.1:$ZIPKIN_PORT/zipkin/ : Ctrl-C stops it and the app"
    wait "$ZIPKIN_PID" || true
  fi
}

case "$MODE" in
  spring | netty) ;;
  -h | --help | help) usage ;;
  *) printf 'demo.sh: unknown mode %s\n' "$MODE" >&2; usage ;;
esac
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || die "DEMO_ROUNDS must be a number from 1 to 99, got '$ROUNDS'"
[[ "$ZIPKIN_PORT" =~ ^[0-9]+$ ]] || die "ZIPKIN_PORT must be a port number, got '$ZIPKIN_PORT'"

prerequisites
run
