#!/usr/bin/env bash
# What netdrop's cgroup programs (nd_sock_create, nd_post_bind4/6, nd_sock_ops: attached to the
# JVM's cgroup v2 directory) cost *other* processes in that cgroup: a C program times socket() +
# close() pairs, alternately with no agent running and with an idle JVM running the agent. On a
# host where the JVM sits in the root cgroup, that is every process of the host.
#   bench/other-process-cost.sh [pairs per round, default 200000] [rounds per phase, default 5]
# Since issue #11 the agent leaves the root cgroup alone by default, so the agent runs here with
# netdrop.cgroup-hooks=on; bench/host-share.sh measures every call and configuration, with repeats.
# Run as root (the agent loads BPF) from the repository root, after `mvn -DskipTests package`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "other-process-cost.sh: must run as root (the agent loads BPF)" >&2
  exit 1
fi
pairs=${1:-200000}
rounds=${2:-5}
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
agent_jar="$PWD/agent/target/netdrop-agent.jar"
[ -f "$agent_jar" ] || { echo "other-process-cost.sh: build the agent first: mvn -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill "${jvm_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
gcc -O2 -o "$work/socket-loop" bench/socket-loop.c
cat >"$work/Idle.java" <<'JAVA'
public class Idle {
  public static void main(String[] a) throws Exception {
    Thread.sleep(Long.MAX_VALUE);
  }
}
JAVA
"${JAVA_HOME:+$JAVA_HOME/bin/}javac" -d "$work" "$work/Idle.java"

echo "# netdrop other-process-cost, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "# kernel $(uname -r); cgroup of this shell: $(grep '^0::' /proc/self/cgroup || echo none)"
for phase in without with without with; do
  if [ "$phase" = with ]; then
    "$java" -javaagent:"$agent_jar=cgroup-hooks=on" -cp "$work" Idle 2>"$work/agent.log" &
    jvm_pid=$!
    for _ in $(seq 100); do
      grep -q "netdrop: watching" "$work/agent.log" && break
      sleep 0.1
    done
    grep "netdrop: watching" "$work/agent.log" || { cat "$work/agent.log" >&2; exit 1; }
  fi
  printf '%-8s' "$phase"
  "$work/socket-loop" "$pairs" "$rounds" | tr '\n' ' '
  echo "ns per socket()+close() (wall cpu, per round)"
  if [ "$phase" = with ]; then
    kill "$jvm_pid"
    wait "$jvm_pid" 2>/dev/null || true
    jvm_pid=
  fi
done
