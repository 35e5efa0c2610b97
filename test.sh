#!/usr/bin/env bash
# Runs every test, the kernel integration tests included (they need root: they load BPF).
# Installs what the build needs on a fresh Debian/Ubuntu machine first.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v clang >/dev/null || need+=(clang)
[ -f /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
command -v mvn >/dev/null || need+=(maven)
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need[@]}" >/dev/null
fi

# The tracepoint fallback and some tests read tracefs; tp_btf itself does not need it.
if [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi

exec mvn -B -ntp verify "$@"
