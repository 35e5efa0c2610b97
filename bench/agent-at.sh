#!/usr/bin/env bash
# Builds the agent jar of an earlier commit, for A/B runs against the working tree's agent, and
# prints its path: bench/results/agents/<commit>/netdrop-agent.jar (built once per commit, from
# `git archive` of that commit, with `mvn -o package`: nothing is installed into ~/.m2, so the
# working tree's netdrop-agent there and in bench/jmh/target/benchmarks.jar stays as it is).
#   bench/agent-at.sh COMMIT
# Used by bench/socket-overhead.sh (BASELINE=...) and bench/span-capture.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

commit=$(git rev-parse --short "${1:?usage: bench/agent-at.sh COMMIT}^{commit}")
dir=$PWD/bench/results/agents/$commit
jar=$dir/netdrop-agent.jar
if [ ! -f "$jar" ]; then
  rm -rf "$dir"
  mkdir -p "$dir/src"
  git archive "$commit" | tar -x -C "$dir/src"
  echo "agent-at.sh: building the agent at $commit in $dir/src" >&2
  mvn -q -o -B -Dstyle.color=never -DskipTests -f "$dir/src/pom.xml" package >"$dir/build.log" 2>&1 || {
    tail -30 "$dir/build.log" >&2
    exit 1
  }
  cp "$dir/src/agent/target/netdrop-agent.jar" "$jar"
  rm -rf "$dir/src"
fi
echo "$jar"
