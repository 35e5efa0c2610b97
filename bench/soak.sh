#!/usr/bin/env bash
# The soak of issue #11: DURATION seconds of steady connection churn through the application's own
# servers, in a network namespace the run creates — TCP_RATE connects a second (connect, 32 bytes
# there and back, close; every 50th to a closed port: a NO_SOCKET drop), UDP_RATE UDP exchanges a
# second (new socket, one datagram each way, close), and every 5 s a tiny UDP socket overflowed by
# 20 datagrams — then DRAIN seconds idle (longer than netdrop's 30 s grace period). Every TICK
# seconds one table row: the application's counts, its heap after a full GC, and what netdrop last
# exported about itself (netdrop.socket.tracked, netdrop.map.entries per BPF map, held back, lost).
# Goals: heap flat after warm-up; registry and maps flat while churning and back to the few open
# sockets once idle; nothing lost, no map full, no request failed. The same code is the CI test
# SoakIT, shortened (agent/src/test/java/io/netdrop/it/SoakDriver.java).
#
#   bench/soak.sh                 (root; DURATION=1800 TCP_RATE=400 UDP_RATE=100 DRAIN=90 TICK=60)
#   DURATION=300 TICK=10 bench/soak.sh
#
# Kept in bench/results/soak-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "soak.sh: must run as root (BPF, ip netns)" >&2
  exit 1
fi
duration=${DURATION:-1800}
tcp=${TCP_RATE:-400}
udp=${UDP_RATE:-100}
drain=${DRAIN:-90}
tick=${TICK:-60}

mvn -B -q -ntp -DskipTests package -pl agent -am
mvn -B -q -ntp test-compile -pl agent
cp=$(mktemp)
jar=$(mktemp --suffix=.jar)
cp agent/target/netdrop-agent.jar "$jar" # a rebuild during the run does not change the agent under test
mvn -B -q -ntp dependency:build-classpath -pl agent -Dmdep.includeScope=test -Dmdep.outputFile="$cp"
mkdir -p bench/results
out="bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "## soak.sh $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty'), $(uname -r), $(nproc) CPUs"
  echo
  echo "Command: \`DURATION=$duration TCP_RATE=$tcp UDP_RATE=$udp DRAIN=$drain TICK=$tick bench/soak.sh\`"
  echo
  cd agent
  java -cp "target/test-classes:$(cat "$cp")" -Dbasedir="$PWD" -Dnetdrop.it.agent.jar="$jar" io.netdrop.it.SoakDriver "$tcp" "$udp" "$duration" "$drain" "$tick"
} | tee "$out"
rm -f "$cp" "$jar"
echo "kept in $out" >&2
