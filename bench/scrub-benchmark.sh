#!/usr/bin/env bash
# Cost of destroying a key thoroughly (secure_delete, TRUNCATE checkpoint), for docs/performance.md.
# Usage: bench/scrub-benchmark.sh [DIR] [ROUNDS]   (DIR: where the databases go, default /tmp; ROUNDS: default 20)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
mvn -B -q -pl controller-core -am -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="controller-core/target/test-classes:controller-core/target/classes:$(cat controller-core/target/bench.classpath)"
exec java -cp "$CP" dev.duet.controller.bench.ScrubBenchmark "${1:-/tmp}" "${2:-20}"
