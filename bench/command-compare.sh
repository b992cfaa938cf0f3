#!/usr/bin/env bash
# Command round trip (issue 15, item 1), this tree against an older commit, in one run: ROUNDS times,
# the older build's CommandBenchmark then this tree's (each ROUNDS_EACH rounds after WARMUP), so both
# see the same machine, sshd and load; each prints its medians and its ratio to `ssh` over a
# ControlMaster session measured in the same process run. SERVED commands (default 0: just-started
# controllers) go through each side's controller before its rounds. A harness older than that option
# (before commit a33142c) ignores it and always runs cold: with such a base, SERVED must stay 0.
# Usage: bench/command-compare.sh BASE_COMMIT [ROUNDS=3] [ROUNDS_EACH=100] [WARMUP=15] [SERVED=0]
#   (needs openssh-server and openssh-client)
set -euo pipefail
BASE=${1:?usage: bench/command-compare.sh BASE_COMMIT [ROUNDS] [ROUNDS_EACH] [WARMUP] [SERVED]}
ROUNDS=${2:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/compare-lib.sh
. "$ROOT/bench/compare-lib.sh"
compare_setup "$ROOT" "$BASE" controller-api
run() {
  local cp=$1; shift
  # As in command-benchmark.sh: root's ~/.bashrc (pyenv here) would swamp both sides alike; hide it.
  if [ "$(id -u)" = 0 ] && [ -s "$HOME/.bashrc" ] && command -v unshare >/dev/null; then
    unshare -m --propagation private bash -c 'mount --bind /dev/null "$HOME/.bashrc" && exec "$@"' bench \
        java -cp "$cp" dev.duet.api.bench.CommandBenchmark "$@"
  else
    java -cp "$cp" dev.duet.api.bench.CommandBenchmark "$@"
  fi
}
for round in $(seq "$ROUNDS"); do
  for side in base head; do
    cp=$BASE_CP; [ "$side" = head ] && cp=$HEAD_CP
    echo "round $round $side (load before $(cut -d' ' -f1-3 /proc/loadavg)):"
    run "$cp" "${3:-100}" "${4:-15}" "${5:-0}" 2>/dev/null | grep -E "median|ratio|^--" | sed 's/^/  /'
  done
done
