#!/usr/bin/env bash
# The policy decision benchmark for docs/performance.md (issue 12, item 6): one decision of a
# 1,000-rule policy, JMH sample time (median and percentiles, microseconds).
# Usage: bench/policy-benchmark.sh [JMH OPTIONS]: with none, -f 1 -wi 3 -w 1s -i 5 -r 2s; options given
# replace those defaults altogether (JMH refuses an option given twice).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install); JMH is a
# test dependency of controller-protocol only, whose annotation processor writes the benchmark list.
mvn -B -q -DskipTests -pl controller-protocol -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="controller-protocol/target/test-classes:controller-protocol/target/classes:$(cat controller-protocol/target/bench.classpath)"
echo "$(date -u +%FT%TZ) commit $(git rev-parse --short HEAD); $(nproc) cpus; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $# -eq 0 ]; then
  set -- -f 1 -wi 3 -w 1s -i 5 -r 2s
fi
java -cp "$CP" org.openjdk.jmh.Main 'dev.duet.protocol.shield.bench.PolicyDecisionBenchmark' "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
