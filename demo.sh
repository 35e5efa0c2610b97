#!/usr/bin/env bash
# One-command netdrop demo: builds the agent, runs a demo app under -javaagent, makes it drop
# packets on its own loopback sockets, and shows the drop lines the agent logged.
#
#   ./demo.sh [spring|netty]        (default: spring; run as root: the agent loads BPF)
#
# Environment (all optional):
#   DEMO_ROUNDS=3              calls per endpoint (spring) / scenario rounds (netty)
#   DEMO_PORT=0                HTTP port of the Spring app; 0 lets the kernel pick a free one
#   NETDROP_AGENT_JAR=path     use this agent jar as is instead of building agent/target/netdrop-agent.jar
#   DEMO_ALLOW_NO_DROPS=1      exit 0 even when the agent logged no drop (e.g. with a stub agent)
#   JAVA_HOME                  the JDK to run the apps with (default: java on PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE="${1:-spring}"
ROUNDS="${DEMO_ROUNDS:-3}"
AGENT_JAR="${NETDROP_AGENT_JAR:-$ROOT/agent/target/netdrop-agent.jar}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
APP_PID=""

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'demo.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

stop_app() {
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    say "stopping the app (pid $APP_PID)"
    kill "$APP_PID" 2>/dev/null || true
    # A JVM that ignores SIGTERM for 20 s gets SIGKILL: the demo must never leave it behind.
    for _ in $(seq 1 200); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=""
}
trap stop_app EXIT
# Turn signals into a normal exit so the EXIT trap stops the app.
trap 'exit 130' INT
trap 'exit 143' TERM

# Maven, quiet, minus the bare colour resets Debian's Maven 3.8 prints even in batch mode.
mvn_quiet() {
  mvn -B -q "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d'
}

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

check_prerequisites() {
  command -v "$JAVA" >/dev/null || die "no java ($JAVA): install a JDK 17 or set JAVA_HOME"
  local major
  major="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }')"
  [[ "${major%%.*}" =~ ^[0-9]+$ ]] && ((${major%%.*} >= 17)) ||
    die "the demos need Java 17 or newer; $JAVA is version '${major:-unknown}' (set JAVA_HOME)"
  command -v mvn >/dev/null || die "no mvn: install Maven (apt-get install -y maven)"
  ensure_packages curl:curl
  [[ $EUID -eq 0 ]] || say "warning: not root; the agent needs root (CAP_BPF, CAP_PERFMON) to load its BPF program"
}

# The jar is fresh when no source of the agent build changed after it was written.
agent_is_fresh() {
  [[ -f "$AGENT_JAR" ]] || return 1
  local newer
  newer="$(find "$ROOT/pom.xml" "$ROOT/bpf" "$ROOT/agent" "$ROOT/agent-bootstrap" \
    -path '*/target' -prune -o -type f -newer "$AGENT_JAR" -print -quit 2>/dev/null)"
  [[ -z "$newer" ]]
}

build_agent() {
  if [[ -n "${NETDROP_AGENT_JAR:-}" ]]; then
    [[ -f "$AGENT_JAR" ]] || die "NETDROP_AGENT_JAR=$AGENT_JAR: no such file"
    say "using the agent $AGENT_JAR as is"
    return
  fi
  if agent_is_fresh; then
    say "agent jar is up to date: ${AGENT_JAR#"$ROOT"/}"
    return
  fi
  # clang compiles bpf/netdrop.bpf.c during the build; libbpf-dev provides <bpf/bpf_helpers.h>.
  ensure_packages clang:clang /usr/include/bpf/bpf_helpers.h:libbpf-dev
  say "building the agent (mvn -q -DskipTests package at the root)"
  (cd "$ROOT" && mvn_quiet -DskipTests package)
  if [[ ! -f "$AGENT_JAR" ]]; then
    die "the agent build succeeded but did not produce ${AGENT_JAR#"$ROOT"/} (jars there: $(
      cd "$(dirname "$AGENT_JAR")" 2>/dev/null && ls -- *.jar 2>/dev/null | tr '\n' ' ' || echo none))"
  fi
}

# Waits until the Spring app answers on the port it wrote to $1; prints the port.
await_http() {
  local port_file="$1" log="$2" port=""
  for _ in $(seq 1 900); do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      tail -n 40 "$log" >&2 || true
      die "the app exited before answering (log: $log)"
    fi
    if [[ -s "$port_file" ]]; then
      port="$(tr -dc '0-9' <"$port_file")"
      if [[ -n "$port" ]] && curl -fsS -o /dev/null "http://127.0.0.1:$port/orders" 2>/dev/null; then
        echo "$port"
        return
      fi
    fi
    sleep 0.1
  done
  die "the app did not answer within 90 s (log: $log)"
}

# Shows the agent's lines in log $1 and counts its drops per reason; $2... are the reasons expected.
show_drops() {
  local log="$1" drops
  shift
  echo
  say "agent output (lines with 'netdrop:' in ${log#"$ROOT"/})"
  grep 'netdrop:' "$log" || echo "(none)"
  drops="$(grep -c 'netdrop: drop ' "$log" || true)"
  echo
  say "drops per reason ($drops in all)"
  grep 'netdrop: drop ' "$log" | awk '{ for (i = 1; i < NF; i++) if ($i == "drop") { print $(i + 1); break } }' |
    sort | uniq -c | sort -rn || true
  local missing=()
  for reason in "$@"; do
    grep -q "netdrop: drop $reason " "$log" || missing+=("$reason")
  done
  if ((${#missing[@]})); then
    say "expected but not reported: ${missing[*]}"
  fi
  if ((drops == 0)) && [[ "${DEMO_ALLOW_NO_DROPS:-0}" != 1 ]]; then
    die "the agent reported no drop (set DEMO_ALLOW_NO_DROPS=1 to accept that)"
  fi
}

run_spring() {
  local dir="$ROOT/examples/spring-demo" port
  say "building examples/spring-demo"
  mvn_quiet -f "$dir/pom.xml" package -DskipTests
  local log="$dir/target/demo.log" port_file="$dir/target/demo.port"
  rm -f "$port_file"
  say "starting the order service with -javaagent:${AGENT_JAR#"$ROOT"/}"
  "$JAVA" -javaagent:"$AGENT_JAR" -jar "$dir/target/spring-demo.jar" \
    --server.port="${DEMO_PORT:-0}" --orders.port-file="$port_file" >"$log" 2>&1 &
  APP_PID=$!
  port="$(await_http "$port_file" "$log")"
  say "order service answers on http://127.0.0.1:$port"
  for endpoint in ping-inventory metrics-burst slow-consumer; do
    for ((i = 1; i <= ROUNDS; i++)); do
      printf 'POST /orders/%s -> ' "$endpoint"
      curl -fsS -X POST "http://127.0.0.1:$port/orders/$endpoint"
      echo
    done
  done
  # Stopping the app first lets the agent flush what it still holds before the log is read.
  sleep 1
  stop_app
  show_drops "$log" NO_SOCKET SOCKET_RCVBUFF TCP_OLD_SEQUENCE
}

run_netty() {
  local dir="$ROOT/examples/netty-demo" rc=0
  say "building examples/netty-demo"
  mvn_quiet -f "$dir/pom.xml" package -DskipTests
  local log="$dir/target/demo.log"
  say "running the Netty scenario (rounds: $ROUNDS) with -javaagent:${AGENT_JAR#"$ROOT"/}"
  "$JAVA" -javaagent:"$AGENT_JAR" -jar "$dir/target/netty-demo.jar" --rounds "$ROUNDS" >"$log" 2>&1 &
  APP_PID=$!
  wait "$APP_PID" || rc=$?
  APP_PID=""
  grep 'netty-demo:' "$log" || true
  ((rc == 0)) || { tail -n 40 "$log" >&2; die "the Netty demo exited with status $rc (log: $log)"; }
  show_drops "$log" NO_SOCKET SOCKET_RCVBUFF TCP_OLD_SEQUENCE
}

case "$MODE" in
  spring | netty) ;;
  -h | --help | help) usage ;;
  *) printf 'demo.sh: unknown mode %s\n' "$MODE" >&2; usage ;;
esac
[[ "$ROUNDS" =~ ^[1-9][0-9]{0,2}$ ]] || die "DEMO_ROUNDS must be a number from 1 to 999, got '$ROUNDS'"

check_prerequisites
build_agent
"run_$MODE"
