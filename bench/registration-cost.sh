#!/usr/bin/env bash
# JMH benchmark of what registering a socket may cost an application thread, piece by piece
# (RegistrationCostBenchmark): fstat, getsockname, a bpf map update + delete (the system calls the
# agent no longer makes where the kernel registers sockets itself), and the creator lookup `depth`
# frames deep (20 and 60 unless -p depth=...), with the application frame at the bottom or near the
# top, by class context, by the DROP_METHOD_INFO walk (JDK 22+ only: left out before) and by
# StackWalker. Scores are ns per call on one thread.
# Run as root (it creates a BPF map) from the repository root, on $JAVA_HOME's JDK if set:
#   bench/registration-cost.sh [extra JMH options]
# Output: bench/results/registration-cost.txt; the table is printed at the end.
set -euo pipefail
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
feature=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
exclude=()
if [ "${feature:-0}" -lt 22 ]; then
  exclude=(-e 'DropMethodInfoWalk') # StackWalker.Option.DROP_METHOD_INFO is new in JDK 22
fi
exec "$(dirname "$0")/run-jmh.sh" registration-cost 'io\.netdrop\.bench\.RegistrationCostBenchmark\.' "${exclude[@]}" "$@"
