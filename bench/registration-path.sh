#!/usr/bin/env bash
# What registering the JVM's own sockets costs its threads, by path (issue #11): in the kernel by the
# cgroup programs, or from Java when they are not attached (netdrop.cgroup-hooks=off, the JVM in the
# host's root cgroup with the default auto, or no CAP_NET_ADMIN). A JVM runs bench/AppSocketLoop.java
# (SocketChannel open + close; DatagramChannel open + bind + close; a loopback connect + accept +
# close) in a child cgroup of its own (the directory must be readable by user nobody for `nocap`), so that the host's other processes are out of the picture,
# alternately:
#   none      no agent
#   kernel    the agent, default settings: the cgroup programs on the JVM's own cgroup
#   java      the agent with netdrop.cgroup-hooks=off: sockets registered from Java
#   nocap     the agent as user nobody with CAP_BPF + CAP_PERFMON only: the kernel refuses the
#             cgroup programs, so the same path as `java` (proves the start-up line's reason)
# CPU time of the whole JVM per op (the agent's threads included), median of ROUNDS rounds per run;
# the table gives each configuration's median over REPEATS runs (min–max) and its ratio to `none`.
#
#   bench/registration-path.sh                    (root; after mvn -DskipTests package)
#   REPEATS=5 OPS=20000 ROUNDS=5 MODES='socket bind connect' bench/registration-path.sh
# (defaults: REPEATS=5 OPS=20000 ROUNDS=5 MODES='socket bind connect' CONFIGS='none kernel java nocap')
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "registration-path.sh: must run as root" >&2; exit 1; }
repeats=${REPEATS:-5}
ops=${OPS:-20000}
rounds=${ROUNDS:-5}
read -r -a modes <<<"${MODES:-socket bind connect}"
read -r -a configs <<<"${CONFIGS:-none kernel java nocap}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
agent_jar="$PWD/agent/target/netdrop-agent.jar"
[ -f "$agent_jar" ] || { echo "registration-path.sh: build the agent first: mvn -DskipTests package" >&2; exit 1; }
cg2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
own_cg=$cg2/netdrop-registration-path
work=$(mktemp -d)
chmod 755 "$work"
trap 'rmdir "$own_cg" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$own_cg"
"${JAVA_HOME:+$JAVA_HOME/bin/}javac" -d "$work" bench/AppSocketLoop.java

# run CONFIG MODE: the median CPU ns per op of one JVM run, into $work/result.
run() {
  local config=$1 mode=$2 agent=() launcher=()
  case $config in
    none) ;;
    kernel) agent=(-javaagent:"$agent_jar") ;;
    java) agent=(-javaagent:"$agent_jar=cgroup-hooks=off") ;;
    nocap)
      agent=(-javaagent:"$agent_jar")
      launcher=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+bpf,+perfmon --ambient-caps=-all,+bpf,+perfmon)
      ;;
  esac
  rm -f "$work/go" "$work/out" "$work/err"
  sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$own_cg" \
    "${launcher[@]}" "$java" "${agent[@]}" -cp "$work" AppSocketLoop "$mode" "$ops" "$rounds" "$work/go" \
    >"$work/out" 2>"$work/err" </dev/null &
  local pid=$!
  if ((${#agent[@]})); then
    for _ in $(seq 300); do
      grep -q "netdrop: watching" "$work/err" && break
      sleep 0.1
    done
    grep -q "netdrop: watching" "$work/err" || { cat "$work/err" >&2; exit 1; }
    if [ -z "${seen[$config]:-}" ]; then
      seen[$config]=1
      echo "# $config: $(grep -o 'sockets registered[^,]*' "$work/err" | head -1)" >&2
    fi
  fi
  touch "$work/go"
  wait "$pid"
  sort -n "$work/out" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' >"$work/result"
}
declare -A seen

mkdir -p bench/results
tsv=bench/results/registration-path-$(date -u +%Y%m%dT%H%M%SZ).tsv
echo "# netdrop registration-path, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')"
echo "# kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# command: REPEATS=$repeats OPS=$ops ROUNDS=$rounds MODES='${modes[*]}' CONFIGS='${configs[*]}' bench/registration-path.sh"
n=${#configs[@]}
for ((r = 1; r <= repeats; r++)); do
  for mode in "${modes[@]}"; do
    for ((i = 0; i < n; i++)); do
      config=${configs[$(((i + r - 1) % n))]}
      run "$config" "$mode"
      echo -e "$r\t$config\t$mode\t$(cat "$work/result")" >>"$tsv"
    done
  done
  echo "# repeat $r of $repeats done, $(date -u +%H:%M:%S)" >&2
done
python3 - "$tsv" "${configs[*]}" "${modes[*]}" <<'PY'
import statistics, sys
from collections import defaultdict
path, configs, modes = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
val = defaultdict(dict)
for line in open(path):
    r, c, m, v = line.rstrip("\n").split("\t")
    if v:
        val[(c, m)][int(r)] = float(v)
cell = lambda xs, f="{:,.0f}": f"{f.format(statistics.median(xs))} ({f.format(min(xs))}–{f.format(max(xs))})" if xs else "–"
what = {"socket": "`SocketChannel.open()` + `close()`", "bind": "`DatagramChannel.open()` + `bind()` + `close()`",
        "connect": "`SocketChannel` connect + accept + close, loopback"}
others = [c for c in configs if c != "none"]
print("\nThe JVM's CPU ns per op (median of the runs, min–max), and the ratio to `none` of the same repeat:\n")
print("| Op | " + " | ".join(configs) + " | " + " | ".join(f"**{c} / none**" for c in others) + " |")
print("|---|" + "---:|" * (len(configs) + len(others)))
for m in modes:
    base = val[("none", m)]
    rs = [cell([v / base[r] for r, v in val[(c, m)].items() if r in base], "{:.2f}") for c in others]
    print(f"| {what.get(m, m)} | " + " | ".join(cell(list(val[(c, m)].values())) for c in configs) + " | " + " | ".join(rs) + " |")
print(f"\nRaw rows: {path}")
PY
