#!/usr/bin/env bash
# Where a lone writer's durable append goes (docs/performance.md, issue 15 item 3): the raw fsync, WAL-shaped
# commits written in place and to a growing file, and one writer's append split into the committer's batch
# and the handoff, each repetition in one run. Usage: bench/append-anatomy.sh [DIR=/tmp] [REPETITIONS=4]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/compare-lib.sh
. "$ROOT/bench/compare-lib.sh"
DIR=${1:-/tmp}
mkdir -p "$DIR"
harness_run "$ROOT" controller-core dev.duet.controller.bench.AppendAnatomyBenchmark "$DIR" "${2:-4}"
rm -rf "$DIR"/duet-append-anatomy*
