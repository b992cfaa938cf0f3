#!/usr/bin/env bash
# QEMU provider benchmark for docs/performance.md: boot to in-update (median of 10, TCG), command
# round trip through the controller vs a fresh OpenSSH ssh to the same VM, memory per VM.
# Usage: bench/qemu-benchmark.sh   (needs qemu-system-x86 and the guest image tools: ./duet test installs them)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
mvn -B -q -DskipTests install >/dev/null
mvn -B -q -pl controller-api dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="controller-api/target/test-classes:controller-api/target/classes:$(cat controller-api/target/bench.classpath)"
exec java -cp "$CP" dev.duet.api.bench.QemuBenchmark
