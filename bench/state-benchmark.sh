#!/usr/bin/env bash
# State reads per second (issue 11, item 4) for docs/performance.md: wrk with 64 connections against a
# controller holding a CVM with COMMANDS commands (default 10,000), /healthz measured in the same run
# as the baseline, alternating, ROUNDS rounds of SECONDS seconds each (defaults 5 and 10), after 15 s of each to warm up.
# Usage: bench/state-benchmark.sh [DIR] [COMMANDS] [ROUNDS] [SECONDS]   (needs wrk: apt-get install wrk)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$(mktemp -d /tmp/duet-state-bench.XXXXXX)}
COMMANDS=${2:-10000}
ROUNDS=${3:-5}
SECONDS_EACH=${4:-10}
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install).
mvn -B -q -DskipTests -pl controller-api -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="controller-api/target/test-classes:controller-api/target/classes:controller-core/target/test-classes:$(cat controller-api/target/bench.classpath)"
mkdir -p "$DIR"
rm -rf "$DIR/data" "$DIR/server.txt"
# With the logging the controller ships (not the tests'), so the access log's line per request is measured too.
java -Xmx1g -Dlogback.configurationFile="$ROOT/controller-api/target/classes/logback.xml" -cp "$CP" \
    dev.duet.api.bench.StateReadServer "$DIR" "$COMMANDS" > "$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -f "$DIR/server.txt" ] && break; sleep 0.5; done
read -r URL CVM < "$DIR/server.txt"
STATE="$URL/v1/cvms/$CVM"
echo "$(nproc) cpus; $(java -version 2>&1 | head -1); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "CVM $CVM: $(curl -s "$STATE" | wc -c) bytes of state, $(curl -s "$STATE" | grep -o '"cvm_log":{"size":[0-9]*' | grep -o '[0-9]*$') entries"
# Warm-up: the JIT, and the first summary signed and kept.
wrk -t2 -c64 -d15s "$URL/healthz" >/dev/null
wrk -t2 -c64 -d15s "$STATE" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  for target in healthz state; do
    url=$URL/healthz; [ "$target" = state ] && url=$STATE
    wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency "$url" > "$DIR/$target-$round.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$DIR/$target-$round.txt")
    p50=$(awk '$1=="50%" {print $2}' "$DIR/$target-$round.txt")
    p99=$(awk '$1=="99%" {print $2}' "$DIR/$target-$round.txt")
    errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' "$DIR/$target-$round.txt")
    echo "round $round $target: $rps req/s, p50 $p50, p99 $p99 ${errors}"
  done
done
