#!/usr/bin/env bash
# Offline verification of a large export as a user runs it: a fresh JVM per run of
# `duet log verify-export`, next to sha256sum of the same file (reading and hashing it once) as the
# floor measured in the same run. Usage: bench/export-benchmark.sh [DIR] [ENTRIES] [RUNS]
# With BEFORE_JAR set to another build's client-cli *-all.jar, each run also times that build, so
# before and after alternate with the floor in one run. VERIFY_JAVA_OPTS (split on spaces) are JVM
# options for this build's runs only, for what a launcher could pass (with BEFORE_JAR set to this
# same jar, the options alone are compared). With WARM_RUNS=N, the export is then verified N times
# in one JVM (ExportWarmBenchmark): what the verification costs once the JVM is warm.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-/tmp/duet-export-bench}
ENTRIES=${2:-1000000}
RUNS=${3:-5}
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install).
mvn -B -q -DskipTests -pl controller-core,client-cli -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
if [ ! -f "$DIR/export.json" ]; then
  java -Xmx8g -cp "controller-core/target/test-classes:controller-core/target/classes:$(cat controller-core/target/bench.classpath)" \
      dev.duet.controller.bench.ExportFixture "$DIR" "$ENTRIES"
fi
CLI=client-cli/target/client-cli-0.1.0-SNAPSHOT-all.jar
echo "file: $(stat -c %s "$DIR/export.json") bytes; $(nproc) cpus; $(java -version 2>&1 | head -1); commit $(git rev-parse --short HEAD)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$RUNS"); do
  /usr/bin/time -f "sha256sum (floor)        run $run: %e s" sha256sum "$DIR/export.json" >/dev/null
  if [ -n "${BEFORE_JAR:-}" ]; then
    /usr/bin/time -f "before: verify-export    run $run: %e s wall, %U s user, %M KB max RSS" \
        java -jar "$BEFORE_JAR" log verify-export "$DIR/export.json" --controller-key "$DIR/controller.pub" >/dev/null
  fi
  # shellcheck disable=SC2086 # VERIFY_JAVA_OPTS is a list of options
  /usr/bin/time -f "duet log verify-export   run $run: %e s wall, %U s user, %M KB max RSS" \
      java ${VERIFY_JAVA_OPTS:-} -jar "$CLI" log verify-export "$DIR/export.json" --controller-key "$DIR/controller.pub" >/dev/null
done
if [ "${WARM_RUNS:-0}" -gt 0 ]; then
  java -cp "controller-core/target/test-classes:controller-core/target/classes:$(cat controller-core/target/bench.classpath)" \
      dev.duet.controller.bench.ExportWarmBenchmark "$DIR/export.json" "$DIR/controller.pub" "$WARM_RUNS"
  /usr/bin/time -f "sha256sum (floor), after:  %e s" sha256sum "$DIR/export.json" >/dev/null
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
