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
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
IMAGES=${DUET_BENCH_IMAGES:-$HOME/.cache/duet/bench-images}
mkdir -p "$IMAGES"
git -C "$ROOT" archive "$BASE" | tar -x -C "$WORK"

# The reactor resolves each tree's own modules to its target/ directories (no install).
classpath() {
  (cd "$1" && mvn -B -q -o -DskipTests -pl controller-api -am package dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/bench.classpath >/dev/null)
  echo "$1/controller-api/target/test-classes:$1/controller-api/target/classes:$(cat "$1/controller-api/target/bench.classpath")"
}
BASE_CP=$(classpath "$WORK")
HEAD_CP=$(classpath "$ROOT")
echo "$(date -u +%FT%TZ) base $(git -C "$ROOT" rev-parse --short "$BASE"), head $(git -C "$ROOT" rev-parse --short HEAD)" \
     "(+ uncommitted: $(git -C "$ROOT" status --porcelain | wc -l) files); $(nproc) cpus"
for round in $(seq "$ROUNDS"); do
  echo "round $round base (load before $(cut -d' ' -f1-3 /proc/loadavg)): $(DUET_GUEST_IMAGE=$IMAGES/base-$BASE java -cp "$BASE_CP" dev.duet.api.bench.QemuBenchmark 2>/dev/null \
      | grep '^boot to in-update')"
  echo "round $round head (load before $(cut -d' ' -f1-3 /proc/loadavg)): $(DUET_GUEST_IMAGE=$IMAGES/head java -cp "$HEAD_CP" dev.duet.api.bench.QemuBenchmark --boots-only 2>/dev/null \
      | grep -A1 '^boot to in-update')"
done
