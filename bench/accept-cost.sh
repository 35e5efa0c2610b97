#!/usr/bin/env bash
# What one accept costs the accepting thread, by configuration (docs/performance.md, "The accept
# hook"): bench/AcceptLoop.java in a child cgroup of its own, one fresh JVM per run, the
# configurations alternating:
#   none     no agent
#   kernel   the agent: accepted sockets registered by nd_getpeername4/6 on the JVM's cgroup
#   java     the agent with netdrop.cgroup-hooks=off: registered from Java (fstat, map writes)
#   base-kernel, base-java   the same with the agent jar $BASE_JAR (a build of the commit before)
# Prints each run's median ns per accept (median over ROUNDS rounds of OPS accepts).
#   REPEATS=3 OPS=5000 ROUNDS=5 CONFIGS='none kernel java' ADAPTOR=socket bench/accept-cost.sh
# (root; after mvn -DskipTests package; ADAPTOR=socket also times Socket adaptor use, as Tomcat's
# acceptor does)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "accept-cost.sh: must run as root" >&2; exit 1; }
repeats=${REPEATS:-3}
ops=${OPS:-5000}
rounds=${ROUNDS:-5}
read -r -a configs <<<"${CONFIGS:-none kernel java}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar="$PWD/agent/target/netdrop-agent.jar"
base_jar=${BASE_JAR:-}
[ -f "$jar" ] || { echo "accept-cost.sh: build the agent first: mvn -DskipTests package" >&2; exit 1; }
cg2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
own_cg=$cg2/netdrop-accept-cost-$$
work=$(mktemp -d)
trap 'rmdir "$own_cg" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$own_cg"
"${JAVA_HOME:+$JAVA_HOME/bin/}javac" -d "$work" bench/AcceptLoop.java

echo "# netdrop accept-cost, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $("$java" -version 2>&1 | head -1)"
echo "# kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= repeats; r++)); do
  for config in "${configs[@]}"; do
    case $config in
      none) agent=() ;;
      kernel) agent=(-javaagent:"$jar") ;;
      java) agent=(-javaagent:"$jar=cgroup-hooks=off") ;;
      base-kernel) agent=(-javaagent:"$base_jar") ;;
      base-java) agent=(-javaagent:"$base_jar=cgroup-hooks=off") ;;
      *) echo "unknown configuration $config" >&2; exit 1 ;;
    esac
    sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$own_cg" \
      "$java" "${agent[@]}" -cp "$work" AcceptLoop "$ops" "$rounds" ${ADAPTOR:-} >"$work/out" 2>"$work/err" </dev/null
    how=$(grep -o 'accepts registered[^,]*' "$work/err" | head -1 || true)
    median=$(awk '{print $2}' "$work/out" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo -e "$r\t$config\t$median ns\t${how:-}"
  done
done
