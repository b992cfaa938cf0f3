#!/usr/bin/env bash
# Attestation verification benchmark for docs/performance.md. Usage: bench/attestation-benchmark.sh
# Prints OpenSSL's ECDSA verify rates and then ours, measured on this machine in the same run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install).
mvn -B -q -DskipTests -pl attestation-verifier -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
echo "== openssl speed (verify/s is the column to compare)"
openssl version
openssl speed -seconds 5 ecdsap256 ecdsap384 2>/dev/null | tail -3
echo "== duet"
CP="attestation-verifier/target/test-classes:attestation-verifier/target/classes:$(cat attestation-verifier/target/bench.classpath)"
java -cp "$CP" dev.duet.attestation.AttestationBenchmark
echo "== openssl speed, again (the machine is noisy; compare both runs)"
openssl speed -seconds 5 ecdsap256 ecdsap384 2>/dev/null | tail -3
