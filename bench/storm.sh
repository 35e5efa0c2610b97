#!/usr/bin/env bash
# Storms into the JVM's own sockets (issue #11): a UDP flood at full rate (bench/flood.c, sendmmsg)
# into a socket the application reads slowly, then a SYN flood (hping3) against its listener with a
# full accept queue, each for SECONDS, in a network namespace the run creates (so the kernel's SNMP
# counters count this run alone), while the application's own echo client sends a request every
# millisecond. Each repeat runs the application without the agent, then with it; with BPFTRACE=true
# (the default) a bpftrace counter on skb:kfree_skb in the namespace runs in both, as a second
# independent count (it costs the flood ~200 ns per packet). The same code is the CI test StormIT,
# shortened (agent/src/test/java/io/netdrop/it/StormDriver.java).
#
#   bench/storm.sh                              (root; SECONDS=60 CALM=5 REPEATS=1 BPFTRACE=true)
#   SECONDS_EACH=20 REPEATS=2 bench/storm.sh
#
# Prints markdown tables: per run the flood rates, the kernel's counts (Udp RcvbufErrors, TcpExt
# ListenOverflows/ListenDrops, bpftrace's kfree_skb by reason) beside netdrop's exported ones, events
# held back and logged, the agent threads' CPU (cores) in each storm, heap after GC; then the
# application's request latencies per phase. Kept in bench/results/storm-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "storm.sh: must run as root (BPF, ip netns, hping3)" >&2
  exit 1
fi
command -v hping3 >/dev/null || apt-get install -y -q hping3 >/dev/null
seconds=${SECONDS_EACH:-60}
calm=${CALM:-5}
repeats=${REPEATS:-1}
trace=${BPFTRACE:-true}
[ "$trace" = true ] && { command -v bpftrace >/dev/null || apt-get install -y -q bpftrace >/dev/null; }

mvn -B -q -ntp -DskipTests package -pl agent -am
mvn -B -q -ntp test-compile -pl agent
cp=$(mktemp)
jar=$(mktemp --suffix=.jar)
cp agent/target/netdrop-agent.jar "$jar" # a rebuild during the run does not change the agent under test
mvn -B -q -ntp dependency:build-classpath -pl agent -Dmdep.includeScope=test -Dmdep.outputFile="$cp"
mkdir -p bench/results
out="bench/results/storm-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "## storm.sh $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty'), $(uname -r), $(nproc) CPUs"
  echo
  echo "Command: \`SECONDS_EACH=$seconds CALM=$calm REPEATS=$repeats BPFTRACE=$trace bench/storm.sh\`"
  echo
  cd agent
  java -cp "target/test-classes:$(cat "$cp")" -Dbasedir="$PWD" -Dnetdrop.it.agent.jar="$jar" io.netdrop.it.StormDriver "$seconds" "$calm" "$repeats" "$trace"
} | tee "$out"
rm -f "$cp" "$jar"
echo "kept in $out" >&2
