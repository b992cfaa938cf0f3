#!/usr/bin/env bash
# Log benchmarks for docs/performance.md. Usage: bench/log-benchmark.sh [DIR] [ENTRIES]
# DIR is where the databases go (default: a temp dir under /tmp); ENTRIES defaults to 1,000,000.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install).
mvn -B -q -DskipTests -pl controller-core -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="controller-core/target/test-classes:controller-core/target/classes:$(cat controller-core/target/bench.classpath)"
DIR=${1:-/tmp}
mkdir -p "$DIR"
echo "$(date -u +%FT%TZ) commit $(git rev-parse --short HEAD); $(nproc) cpus; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
exec java -Xmx8g -cp "$CP" dev.duet.controller.bench.LogBenchmark "$DIR" "${2:-1000000}"
