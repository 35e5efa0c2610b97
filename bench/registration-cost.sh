#!/usr/bin/env bash
# JMH benchmark of what registering a socket may cost an application thread, piece by piece
# (RegistrationCostBenchmark): fstat, getsockname, a bpf map update + delete (the system calls the
# agent no longer makes where the kernel registers sockets itself), and the creator lookup 20 and
# 60 frames deep, by class context and by StackWalker. Scores are ns per call on one thread.
# Run as root (it creates a BPF map) from the repository root:
#   bench/registration-cost.sh [extra JMH options]
# Output: bench/results/registration-cost.txt; the table is printed at the end.
set -euo pipefail
exec "$(dirname "$0")/run-jmh.sh" registration-cost 'io\.netdrop\.bench\.RegistrationCostBenchmark\.' "$@"
