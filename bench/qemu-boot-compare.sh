#!/usr/bin/env bash
# Boot to in-update, this tree against an older commit, in one run: ROUNDS times, the older build's
# QemuBenchmark (10 boots; it goes on to its other measurements) then this tree's (10 boots,
# --boots-only), so both see the same machine and load. Each build gets its own guest image
# directory (their recipes differ; a shared one would be rebuilt back and forth).
# Usage: bench/qemu-boot-compare.sh BASE_COMMIT [ROUNDS=2]
#   (needs qemu-system-x86 and the guest image tools: ./duet test installs them)
set -euo pipefail
BASE=${1:?usage: bench/qemu-boot-compare.sh BASE_COMMIT [ROUNDS]}
ROUNDS=${2:-2}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/compare-lib.sh
. "$ROOT/bench/compare-lib.sh"
IMAGES=${DUET_BENCH_IMAGES:-$HOME/.cache/duet/bench-images}
mkdir -p "$IMAGES"
compare_setup "$ROOT" "$BASE" controller-api
for round in $(seq "$ROUNDS"); do
  echo "round $round base (load before $(cut -d' ' -f1-3 /proc/loadavg)): $(DUET_GUEST_IMAGE=$IMAGES/base-$BASE java -cp "$BASE_CP" dev.duet.api.bench.QemuBenchmark 2>/dev/null \
      | grep '^boot to in-update')"
  echo "round $round head (load before $(cut -d' ' -f1-3 /proc/loadavg)): $(DUET_GUEST_IMAGE=$IMAGES/head java -cp "$HEAD_CP" dev.duet.api.bench.QemuBenchmark --boots-only 2>/dev/null \
      | grep -A1 '^boot to in-update')"
done
