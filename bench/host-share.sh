#!/usr/bin/env bash
# The host's share (issue #11): what netdrop costs processes that are NOT the JVM. The agent attaches
# cgroup programs (nd_sock_create, nd_post_bind4/6, nd_sock_ops, nd_getpeername4/6) to the JVM's
# cgroup v2 directory, so every process in that cgroup runs them on its socket calls; when they are
# not attached, the per-packet connect tracker (nd_net_dev_queue) stays, and every packet the host
# sends runs it. An idle JVM runs the agent in one configuration at a time; meanwhile a C program in
# the root cgroup (bench/socket-loop.c) times socket calls, and wrk fetches from nginx with a new
# connection per request (both pinned, one CPU each) for the CPU time per connection.
#
# Configurations (CONFIGS, in this order in the first repeat, rotated by one in each next one):
#   none          no agent
#   own-cgroup    the JVM in a child cgroup of its own (written to cgroup.procs before it starts),
#                 default settings: the cgroup programs run for the JVM's processes only
#   root-hooks    the JVM in the root cgroup with netdrop.cgroup-hooks=on: every process pays them
#   root-default  the JVM in the root cgroup, default settings (auto: no cgroup programs there)
#   root-before   the JVM in the root cgroup with the agent jar BEFORE_JAR (e.g. bench/agent-at.sh
#                 b142de6: the cgroup programs before the tgid fast path), added when BEFORE_JAR is set
# Each per-call measurement is the median CPU time per op (getrusage) over ROUNDS rounds of OPS
# ops; each configuration is measured REPEATS times, alternating, and the tables give the median
# over the repeats with the range, and each configuration's ratio to `none` of the same repeat.
# With STATS=1 (default) a last pass enables kernel.bpf_stats_enabled and reads each netdrop
# program's run_cnt and run_time_ns (bpftool) around one run of each mode: runs per op and the
# programs' own ns per run (the dispatch around them is not included; the per-call table has it).
#
#   bench/host-share.sh                                       (root; after mvn -DskipTests package)
#   REPEATS=7 OPS=100000 CHURN_SECONDS=10 bench/host-share.sh
#   BEFORE_JAR=$(bench/agent-at.sh b142de6) bench/host-share.sh
#   CONFIGS='none root-hooks' MODES='socket connect' CHURN_SECONDS=0 STATS=0 bench/host-share.sh
# (defaults: REPEATS=5 OPS=100000 ROUNDS=3 CHURN_SECONDS=8 STATS=1
#  MODES='socket bind connect getpeername udp')
# Output: the tables on stdout, raw rows in bench/results/host-share-<time>.tsv
# (TABLE_ONLY=bench/results/host-share-<time>.tsv bench/host-share.sh prints the tables of a run again).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "host-share.sh: must run as root (the agent loads BPF; cgroups are created)" >&2
  exit 1
fi
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v bpftool >/dev/null || need+=(bpftool)
if ((${#need[@]})); then
  echo "host-share.sh: installing ${need[*]}" >&2
  # nginx's package would start a server on port 80: policy-rc.d keeps it from starting.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if [ -n "${TABLE_ONLY:-}" ]; then
  tsv=$TABLE_ONLY
else
repeats=${REPEATS:-5}
ops=${OPS:-100000}
rounds=${ROUNDS:-3}
churn_seconds=${CHURN_SECONDS:-8}
stats=${STATS:-1}
read -r -a modes <<<"${MODES:-socket bind connect getpeername udp}"
read -r -a configs <<<"${CONFIGS:-none own-cgroup root-hooks root-default}"
[ -n "${BEFORE_JAR:-}" ] && [[ " ${configs[*]} " != *" root-before "* ]] && configs+=(root-before)
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
agent_jar="$PWD/agent/target/netdrop-agent.jar"
[ -f "$agent_jar" ] || { echo "host-share.sh: build the agent first: mvn -DskipTests package" >&2; exit 1; }
cg2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
[ -n "$cg2" ] || { echo "host-share.sh: no cgroup v2 hierarchy mounted" >&2; exit 1; }
if [ "$(sed -n 's/^0:://p' /proc/self/cgroup)" != / ]; then
  echo "host-share.sh: this shell is not in the root cgroup ($(grep '^0::' /proc/self/cgroup)):" \
    "the root-cgroup configurations would not be what they say" >&2
  exit 1
fi
own_cg=$cg2/netdrop-host-share

work=$(mktemp -d)
jvm_pid=
nginx_pid=
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  [ -n "$jvm_pid" ] && kill "$jvm_pid" 2>/dev/null && wait "$jvm_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  sysctl -q -w kernel.bpf_stats_enabled="$stats_before" || true
  rmdir "$own_cg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM
gcc -O2 -o "$work/socket-loop" bench/socket-loop.c
cat >"$work/Idle.java" <<'JAVA'
public class Idle {
  public static void main(String[] a) throws Exception {
    Thread.sleep(Long.MAX_VALUE);
  }
}
JAVA
"${JAVA_HOME:+$JAVA_HOME/bin/}javac" -d "$work" "$work/Idle.java"
mkdir -p "$own_cg"

# nginx on one CPU, one worker, a fixed answer; wrk on the other CPU.
port=$((20000 + RANDOM % 20000))
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  server { listen 127.0.0.1:$port; location / { return 200 "ok\n"; } }
}
NGINX
if ((churn_seconds > 0)); then
  taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" 2>>"$work/nginx-error.log" &
  nginx_pid=$!
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
    sleep 0.1
  done
fi

# The CPU ticks (utime + stime) of nginx's master and workers.
nginx_ticks() {
  local t=0 p
  for p in $nginx_pid $(pgrep -P "$nginx_pid"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}

# start_config NAME: starts the idle agent JVM of that configuration (none: nothing).
start_config() {
  local name=$1 jar=$agent_jar args="" cgroup=$cg2
  case $name in
    none) return ;;
    own-cgroup) cgroup=$own_cg ;;
    root-hooks) args="=cgroup-hooks=on" ;;
    root-default) ;;
    root-before) jar=$BEFORE_JAR ;;
    *) echo "host-share.sh: unknown configuration $name" >&2; exit 1 ;;
  esac
  sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cgroup" \
    "$java" -javaagent:"$jar$args" -cp "$work" Idle 2>"$work/agent.log" &
  jvm_pid=$!
  for _ in $(seq 200); do
    grep -q "netdrop: watching" "$work/agent.log" && break
    sleep 0.1
  done
  grep -q "netdrop: watching" "$work/agent.log" || { cat "$work/agent.log" >&2; exit 1; }
  if [ -z "${seen[$name]:-}" ]; then
    seen[$name]=1
    echo "# $name: cgroup $(sed -n 's/^0:://p' "/proc/$jvm_pid/cgroup"), cgroup programs at the root:" \
      "$(bpftool cgroup show "$cg2" | tail -n +2 | awk '{print $NF}' | sort | tr '\n' ' ')"
    echo "#   $(grep 'netdrop: watching' "$work/agent.log")"
  fi
}
declare -A seen

# How many programs attached to the root cgroup belong to other processes than our JVM (other agents
# on a shared machine: they make every configuration, `none` included, pay for them).
foreign_programs() {
  python3 - "$cg2" "${jvm_pid:-0}" <<'PY'
import json, subprocess, sys
cg, pid = sys.argv[1], sys.argv[2]
out = subprocess.run(["bpftool", "-j", "cgroup", "show", cg], capture_output=True, text=True).stdout.strip()
try:
    attached = json.JSONDecoder().raw_decode(out)[0] if out else []
except ValueError:
    attached = []
mine = set(subprocess.run(["sh", "-c", f"cat /proc/{pid}/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p'"],
                          capture_output=True, text=True).stdout.split())
print(sum(1 for a in attached if str(a["id"]) not in mine))
PY
}

stop_config() {
  if [ -n "$jvm_pid" ]; then
    kill "$jvm_pid"
    wait "$jvm_pid" 2>/dev/null || true
    jvm_pid=
  fi
}

tsv=bench/results/host-share-$(date -u +%Y%m%dT%H%M%SZ).tsv
mkdir -p bench/results
echo -e "repeat\tconfig\tmeasure\tvalue" >"$tsv"
echo "# netdrop host-share, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+changes')"
echo "# kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); cgroup v2 at $cg2"
echo "# command: REPEATS=$repeats OPS=$ops ROUNDS=$rounds CHURN_SECONDS=$churn_seconds MODES='${modes[*]}' CONFIGS='${configs[*]}' bench/host-share.sh"
[ -n "${BEFORE_JAR:-}" ] && echo "# root-before: $BEFORE_JAR"
foreign=$(bpftool cgroup show "$cg2" | tail -n +2 | wc -l)
((foreign == 0)) || echo "# WARNING: $foreign programs of other processes are attached to the root cgroup: $(bpftool cgroup show "$cg2" | tail -n +2 | awk '{print $NF}' | tr '\n' ' ')"

n=${#configs[@]}
for ((r = 1; r <= repeats; r++)); do
  for ((i = 0; i < n; i++)); do
    config=${configs[$(((i + r - 1) % n))]}
    start_config "$config"
    sleep 1 # the agent's start-up work is over
    for mode in "${modes[@]}"; do
      cpu=$("$work/socket-loop" "$ops" "$rounds" "$mode" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      echo -e "$r\t$config\t$mode\t$cpu" >>"$tsv"
    done
    echo -e "$r\t$config\tforeign\t$(foreign_programs)" >>"$tsv"
    if ((churn_seconds > 0)); then
      t0=$(nginx_ticks)
      out=$( (taskset -c 1 wrk -t1 -c4 -d"${churn_seconds}s" -H 'Connection: close' "http://127.0.0.1:$port/"; times) 2>&1)
      t1=$(nginx_ticks)
      requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
      errors=$(grep -c 'Socket errors\|Non-2xx' <<<"$out" || true)
      # `times`: the subshell's own line, then its children's (wrk): user and system, e.g. 0m1.234s.
      wrk_cpu=$(tail -1 <<<"$out" | awk '{ split($1,u,"m"); split($2,s,"m"); sub("s","",u[2]); sub("s","",s[2]); print (u[1]*60+u[2]+s[1]*60+s[2]) }')
      tick=$(getconf CLK_TCK)
      if [ -z "$requests" ] || [ "$requests" = 0 ]; then
        echo "# repeat $r, $config: wrk served no request: $(tr '\n' ' ' <<<"$out")" >&2
        requests=0
        echo -e "$r\t$config\tchurn-rps\t0" >>"$tsv"
      else
      echo -e "$r\t$config\tchurn-rps\t$(awk -v q="$requests" -v d="$churn_seconds" 'BEGIN {printf "%.0f", q/d}')" >>"$tsv"
      echo -e "$r\t$config\tchurn-nginx-us\t$(awk -v t=$((t1 - t0)) -v k="$tick" -v q="$requests" 'BEGIN {printf "%.2f", t/k*1e6/q}')" >>"$tsv"
      echo -e "$r\t$config\tchurn-wrk-us\t$(awk -v c="$wrk_cpu" -v q="$requests" 'BEGIN {printf "%.2f", c*1e6/q}')" >>"$tsv"
      echo -e "$r\t$config\tchurn-errors\t$errors" >>"$tsv"
      fi
    fi
    stop_config
  done
  echo "# repeat $r of $repeats done, $(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

# bpf_stats: each program's runs per op and own time per run, for the configurations with an agent.
if [ "$stats" = 1 ]; then
  sysctl -q -w kernel.bpf_stats_enabled=1
  prog_stats() { # "name run_cnt run_time_ns" for each program the JVM holds (its fds' prog_id)
    local ids
    ids=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u | tr '\n' ' ')
    bpftool -j prog show | python3 -c '
import json, sys
ids = set(sys.argv[1].split())
for p in json.JSONDecoder().raw_decode(sys.stdin.read().strip())[0]:
    if str(p["id"]) in ids and p.get("name", "").startswith("nd_"):
        print(p["name"], p.get("run_cnt", 0), p.get("run_time_ns", 0))' "$ids"
  }
  for config in "${configs[@]}"; do
    [ "$config" = none ] && continue
    start_config "$config"
    sleep 1
    for mode in "${modes[@]}"; do
      before=$(prog_stats "$jvm_pid")
      "$work/socket-loop" "$ops" 1 "$mode" >/dev/null
      after=$(prog_stats "$jvm_pid")
      total=$((ops + ops / 10)) # socket-loop warms up with a tenth more
      python3 - "$config" "$mode" "$total" "$before" "$after" >>"$tsv" <<'PY'
import sys
config, mode, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
parse = lambda text: {l.split()[0]: (int(l.split()[1]), int(l.split()[2])) for l in text.splitlines() if l.strip()}
before, after = parse(sys.argv[4]), parse(sys.argv[5])
for name, (cnt, ns) in sorted(after.items()):
    c0, n0 = before.get(name, (0, 0))
    if cnt - c0 > total // 100:
        print(f"stats\t{config}\t{mode}:{name}\t{(cnt - c0) / total:.2f} {(ns - n0) / (cnt - c0):.0f}")
PY
    done
    stop_config
  done
  sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
fi

fi # TABLE_ONLY
if [ -n "${TABLE_ONLY:-}" ]; then
  configs=($(awk -F'\t' 'NR > 1 && $1 != "stats" && !seen[$2]++ {print $2}' "$tsv"))
  modes=($(awk -F'\t' 'NR > 1 && $1 != "stats" && $3 !~ /^(churn|foreign)/ && !seen[$3]++ {print $3}' "$tsv"))
  [[ " ${configs[*]} " == *" none "* ]] && configs=(none $(printf '%s\n' "${configs[@]}" | grep -vx none))
fi
python3 - "$tsv" "${configs[*]}" "${modes[*]}" <<'PY'
import statistics, sys
from collections import defaultdict
path, configs, modes = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
rows = [l.rstrip("\n").split("\t") for l in open(path)][1:]
val = defaultdict(dict)   # (config, measure) -> {repeat: value}
stats = []
for rep, config, measure, value in rows:
    if rep == "stats":
        stats.append((config, measure, value))
    else:
        try:
            val[(config, measure)][int(rep)] = float(value)
        except ValueError:
            pass  # a measurement that printed nothing

def cell(xs, fmt="{:,.0f}"):
    if not xs:
        return "–"
    return f"{fmt.format(statistics.median(xs))} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"

def ratios(a, b):
    """Each repeat's a/b, for the repeats that have both."""
    return [a[r] / b[r] for r in a if r in b and b[r]]

others = [c for c in configs if c != "none"]
what = {"socket": "`socket()` + `close()`", "bind": "`socket()` + `bind()` + `close()` (UDP)",
        "connect": "TCP connect + accept + close, loopback", "getpeername": "`getpeername()`",
        "udp": "UDP `sendto()` + `recv()` 64 B, loopback"}
n = len({r for d in val.values() for r in d})
print(f"\nPer call, CPU ns per op of the C program (median of {n} repeats, min–max):\n")
print("| Call | " + " | ".join(configs) + " | " + " | ".join(f"**{c} / none**" for c in others) + " |")
print("|---|" + "---:|" * (len(configs) + len(others)))
for m in modes:
    cells = [cell(list(val.get((c, m), {}).values())) for c in configs]
    rs = [cell(ratios(val.get((c, m), {}), val.get(("none", m), {})), "{:.2f}") for c in others]
    print(f"| {what.get(m, m)} | " + " | ".join(cells) + " | " + " | ".join(rs) + " |")

if any(k[1] == "churn-rps" for k in val):
    def total(c):
        a, b = val.get((c, "churn-nginx-us"), {}), val.get((c, "churn-wrk-us"), {})
        return {r: a[r] + b[r] for r in a if r in b}
    print(f"\nChurn: wrk -t1 -c4 -H 'Connection: close' against nginx (1 worker), pinned to one CPU each;"
          f" CPU µs per request (nginx + wrk), median of {n} repeats (min–max):\n")
    print("| Configuration | requests/s | nginx µs/req | wrk µs/req | **nginx + wrk µs/req** | **ratio to none** | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in configs:
        rs = ratios(total(c), total("none")) if c != "none" else []
        print(f"| {c} | {cell(list(val.get((c, 'churn-rps'), {}).values()))}"
              f" | {cell(list(val.get((c, 'churn-nginx-us'), {}).values()), '{:.1f}')}"
              f" | {cell(list(val.get((c, 'churn-wrk-us'), {}).values()), '{:.1f}')}"
              f" | {cell(list(total(c).values()), '{:.1f}')} | {cell(rs, '{:.2f}') if rs else '1'}"
              f" | {int(sum(val.get((c, 'churn-errors'), {}).values()))} |")

if stats:
    print("\nbpf_stats (kernel.bpf_stats_enabled=1), one run of each mode: runs per op and the program's own ns per run:\n")
    print("| Configuration | Call | Program | runs per op | ns per run |")
    print("|---|---|---|---:|---:|")
    for config, measure, value in stats:
        mode, prog = measure.split(":")
        per_op, ns = value.split()
        print(f"| {config} | {mode} | `{prog}` | {per_op} | {ns} |")
foreign = sum(1 for d in [v for (c, m), v in val.items() if m == "foreign"] for x in d.values() if x)
if foreign:
    print(f"\nWARNING: in {foreign} of the measurements, programs of other processes were attached to the root cgroup.")
print(f"\nRaw rows: {path}")
PY
