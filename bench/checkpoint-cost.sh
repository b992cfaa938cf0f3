#!/usr/bin/env bash
# What the checkpoint signed in each commit costs durable appends (docs/performance.md, issue 15 item 3):
# raw fsync, then 1 and 64 writers with and without a checkpoint signer, alternating.
# Usage: bench/checkpoint-cost.sh [DIR=/tmp] [REPETITIONS=4]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/compare-lib.sh
. "$ROOT/bench/compare-lib.sh"
DIR=${1:-/tmp}
mkdir -p "$DIR"
harness_run "$ROOT" controller-core dev.duet.controller.bench.CheckpointCostBenchmark "$DIR" "${2:-4}"
