#!/usr/bin/env bash
# Offline export verification in bounded memory (issue 9, D1): `duet log verify-export` in a fresh
# JVM capped at HEAP (default 256m) over generated exports of about 600 MB each: small entries intact
# (the fast path) and tampered near the end (the full path, which must stream to the end and name
# the entry), and entries of 1.4 MB (stdout kept in the log) intact and tampered near the end.
# sha256sum of each file is the floor, measured in the same run.
# Usage: bench/export-memory.sh [DIR] [HEAP]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-/tmp/duet-export-memory}
HEAP=${2:-256m}
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install).
mvn -B -q -DskipTests -pl client-cli -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="client-cli/target/test-classes:client-cli/target/classes:$(cat client-cli/target/bench.classpath)"
CLI=client-cli/target/client-cli-0.1.0-SNAPSHOT-all.jar

# NAME ENTRIES PAYLOAD_BYTES TAMPER_AT (-1: intact)
generate() {
  [ -f "$DIR/$1/export.json" ] || java -Xmx1g -cp "$CP" dev.duet.cli.GeneratedExport "$DIR/$1" "$2" "$3" "$4" >/dev/null
}
generate small-intact 1250000 200 -1
generate small-tampered 1250000 200 1249990
generate large-intact 430 1400000 -1
generate large-tampered 430 1400000 425

echo "heap: -Xmx$HEAP; $(nproc) cpus; $(java -version 2>&1 | head -1)"
for name in small-intact small-tampered large-intact large-tampered; do
  file="$DIR/$name/export.json"
  echo "== $name: $(stat -c %s "$file") bytes"
  /usr/bin/time -f "   sha256sum (floor): %e s" sha256sum "$file" >/dev/null
  set +e
  /usr/bin/time -o "$DIR/time.txt" -f "%e s wall, %U s user, %M KB max RSS (mapped file pages included)" \
      java "-Xmx$HEAP" -jar "$CLI" log verify-export "$file" --controller-key "$DIR/$name/controller.pub" > "$DIR/out.txt" 2>&1
  code=$?
  set -e
  echo "   duet log verify-export: exit $code, $(tail -n 1 "$DIR/time.txt")"
  echo "   $(head -c 200 "$DIR/out.txt" | head -n 1)"
done
