#!/usr/bin/env bash
# Durable appends, this tree against an older commit, in one run: ROUNDS times, the older build's
# LogBenchmark then this tree's, each three repetitions of raw fsync, one writer and 64 writers
# (3 s each) on the same file system, so both see the same machine, disk and load. Each harness first
# appends for a while without counting it (the JIT's warm-up); an older harness that did not is
# shown with its first repetition marked as cold.
# Usage: bench/log-append-compare.sh BASE_COMMIT [ROUNDS=3] [DIR=/tmp]
set -euo pipefail
BASE=${1:?usage: bench/log-append-compare.sh BASE_COMMIT [ROUNDS] [DIR]}
ROUNDS=${2:-3}
DIR=${3:-/tmp}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/compare-lib.sh
. "$ROOT/bench/compare-lib.sh"
mkdir -p "$DIR"
compare_setup "$ROOT" "$BASE" controller-core
for round in $(seq "$ROUNDS"); do
  for side in base head; do
    cp=$BASE_CP; [ "$side" = head ] && cp=$HEAD_CP
    echo "round $round $side (load before $(cut -d' ' -f1-3 /proc/loadavg)):"
    # 1,000 entries for the rest of LogBenchmark: only its repetitions are read here (older builds fail after them).
    out=$(java -cp "$cp" dev.duet.controller.bench.LogBenchmark "$DIR" 1000 2>/dev/null || true)
    # A build before the harness warmed up measures its rep 1 while still compiling: not comparable.
    cold='s/^  rep 1:/  cold, not comparable: rep 1:/'
    grep -q '^warm-up' <<<"$out" && cold=''
    grep -E '^(warm-up|rep)' <<<"$out" | sed -e 's/^/  /' -e "$cold" || true
  done
done
rm -rf "$DIR"/duet-bench*
