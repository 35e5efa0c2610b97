#!/usr/bin/env bash
# Kernel cost per skb:kfree_skb call of netdrop's program and of the seed's bpftrace one-liner,
# measured in the same run with the kernel's own BPF statistics (kernel.bpf_stats_enabled=1:
# run_time_ns / run_cnt per program). The drops are NO_SOCKET drops of a UDP flood to a closed
# port from a process that is not netdrop's JVM, i.e. drops netdrop must reject in the kernel.
#
#   bench/kfree-skb-cost.sh [COUNT]       (root; default COUNT=1000000)
#
# Also prints the flood's rate with no program, with netdrop alone, and with both attached.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1000000}
PORT=9 # discard: nothing listens on it here
OUT=bench/results
mkdir -p "$OUT"

for tool in bpftrace bpftool gcc java jq; do
  command -v "$tool" >/dev/null || { apt-get install -y -q "$tool" >/dev/null; }
done
[ -f agent/target/netdrop-agent.jar ] || mvn -q -B -DskipTests package
gcc -O2 -o "$OUT/flood" bench/flood.c

old_stats=$(sysctl -n kernel.bpf_stats_enabled)
pids=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  sysctl -qw kernel.bpf_stats_enabled="$old_stats"
}
trap cleanup EXIT

# Programs are told apart by id: other tools may have kfree_skb programs of their own loaded.
ids() { bpftool prog show -j | jq -r '.[].id' | sort -n; }
# new_id BEFORE_IDS NAME -> the id of the program named NAME that is not in BEFORE_IDS
new_id() {
  bpftool prog show -j | jq -r --arg name "$2" '.[] | select(.name == $name) | .id' |
    grep -vxF -f <(printf '%s\n' "$1") | head -n 1
}
# stats ID -> "run_time_ns run_cnt"
stats() { bpftool prog show id "$1" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'; }

echo "== flood, no program attached"
"$OUT/flood" $PORT "$COUNT"

sysctl -qw kernel.bpf_stats_enabled=1

before=$(ids)
# netdrop in an idle JVM (its own sockets are not the flood's)
fifo=$(mktemp -u); mkfifo "$fifo"
java -javaagent:agent/target/netdrop-agent.jar bench/IdleApp.java <"$fifo" >"$OUT/idle.log" 2>&1 &
pids+=($!)
exec 3>"$fifo"
for _ in $(seq 100); do grep -q "netdrop: watching" "$OUT/idle.log" && break; sleep 0.2; done
grep "netdrop: watching" "$OUT/idle.log" || { cat "$OUT/idle.log"; exit 1; }
nd=$(new_id "$before" nd_kfree_skb)

read -r nd_t0 nd_c0 < <(stats "$nd")
echo "== flood, netdrop attached"
"$OUT/flood" $PORT "$COUNT"
read -r nd_t1 nd_c1 < <(stats "$nd")

before=$(ids)
bpftrace -e 'tracepoint:skb:kfree_skb { @[args->reason] = count(); }' >"$OUT/bpftrace.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "Attaching" "$OUT/bpftrace.log" && break; sleep 0.2; done
sleep 1
bt=$(new_id "$before" kfree_skb)

read -r nd_t2 nd_c2 < <(stats "$nd")
read -r bt_t2 bt_c2 < <(stats "$bt")
echo "== flood, netdrop and bpftrace attached"
"$OUT/flood" $PORT "$COUNT"
read -r nd_t3 nd_c3 < <(stats "$nd")
read -r bt_t3 bt_c3 < <(stats "$bt")

kill -INT "${pids[-1]}"; sleep 1

# The fixed cost every program pays per call (dispatch and the bpf_stats clock reads themselves):
# an empty program on the same tracepoint.
before=$(ids)
bpftrace -e 'tracepoint:skb:kfree_skb { }' >"$OUT/bpftrace-empty.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "Attaching" "$OUT/bpftrace-empty.log" && break; sleep 0.2; done
sleep 1
em=$(new_id "$before" kfree_skb)
read -r em_t0 em_c0 < <(stats "$em")
echo "== flood, netdrop and an empty program attached"
"$OUT/flood" $PORT "$COUNT"
read -r em_t1 em_c1 < <(stats "$em")

exec 3>&-

awk -v a="$((nd_t1 - nd_t0))" -v b="$((nd_c1 - nd_c0))" \
    -v c="$((nd_t3 - nd_t2))" -v d="$((nd_c3 - nd_c2))" \
    -v e="$((bt_t3 - bt_t2))" -v f="$((bt_c3 - bt_c2))" \
    -v g="$((em_t1 - em_t0))" -v h="$((em_c1 - em_c0))" 'BEGIN {
  nd = c / d; bt = e / f; em = g / h
  printf "netdrop alone:           %8d calls, %6.1f ns/call\n", b, a / b
  printf "netdrop (with bpftrace): %8d calls, %6.1f ns/call\n", d, nd
  printf "bpftrace one-liner:      %8d calls, %6.1f ns/call\n", f, bt
  printf "empty program (floor):   %8d calls, %6.1f ns/call\n", h, em
  printf "netdrop / bpftrace:             %.2f (above the floor: %.2f)\n", nd / bt, (nd - em) / (bt - em)
}' | tee "$OUT/kfree-skb-cost.txt"
