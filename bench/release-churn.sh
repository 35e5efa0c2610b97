#!/usr/bin/env bash
# The agent's registry thread while closed connections' grace periods end (docs/performance.md,
# "Batched release of closed connections"): runs bench/ReleaseChurn.java under -javaagent:JAR at
# RATE connections a second for 52 s, reads the registry thread's on-CPU time (schedstat) at
# t = 33 and 43 s (the 30 s grace is over, expiries run), then counts its bpf(2) calls for 5 s with
# strace. Needs root and strace.
#   bench/release-churn.sh JAR RATE       e.g. bench/release-churn.sh "$(bench/agent-at.sh 571da15)" 1000
set -euo pipefail
jar=$(realpath "${1:?usage: bench/release-churn.sh JAR RATE}")
rate=${2:?usage: bench/release-churn.sh JAR RATE}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -d "$work" "$(dirname "$0")/ReleaseChurn.java"
java -javaagent:"$jar" -cp "$work" ReleaseChurn "$rate" 52 >"$work/out.txt" 2>&1 &
jvm=$!
sleep 8
tid=""
for t in /proc/$jvm/task/*; do
  case "$(cat "$t/comm" 2>/dev/null)" in netdrop-regis*) tid=$(basename "$t") ;; esac
done
[ -n "$tid" ] || { echo "no netdrop-registry thread in $jvm:" >&2; cat "$work/out.txt" >&2; exit 1; }
grep -m1 "netdrop: watching" "$work/out.txt" || true
sleep 25
a=$(awk '{print $1}' "/proc/$jvm/task/$tid/schedstat")
sleep 10
b=$(awk '{print $1}' "/proc/$jvm/task/$tid/schedstat")
echo "rate=$rate: registry thread on-CPU $(((b - a) / 10000000)) ms/s over t=33..43 s"
timeout 5 strace -e trace=bpf -p "$tid" -o "$work/strace.txt" 2>/dev/null || true
echo "its bpf(2) calls in 5 s:"
awk -F'(' '{print $2}' "$work/strace.txt" | cut -d, -f1 | grep BPF_ | sort | uniq -c
wait "$jvm"
grep "^release-churn" "$work/out.txt"
