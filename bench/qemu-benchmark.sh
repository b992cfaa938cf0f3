#!/usr/bin/env bash
# QEMU provider benchmark for docs/performance.md: boot to in-update (median of 10, TCG), command
# round trip through the controller vs a fresh OpenSSH ssh to the same VM, memory per VM.
# Usage: bench/qemu-benchmark.sh   (needs qemu-system-x86 and the guest image tools: ./duet test installs them)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install).
mvn -B -q -DskipTests -pl controller-api -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="controller-api/target/test-classes:controller-api/target/classes:$(cat controller-api/target/bench.classpath)"
echo "$(date -u +%FT%TZ) commit $(git rev-parse --short HEAD); $(nproc) cpus; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
exec java -cp "$CP" dev.duet.api.bench.QemuBenchmark
