#!/usr/bin/env bash
# Command round trip (issue 15, item 1) for docs/performance.md: a controller adopts Debian's sshd on
# loopback, then `true` runs ROUNDS times (default 200, after WARMUP rounds, default 30) three ways,
# rotating their order each round: the owner-signed POST /v1/cvms/{id}/commands, `ssh` reusing a
# ControlMaster session to the same sshd (the baseline), and the controller's SSH exec alone. Before
# the rounds the controller serves SERVED commands (default 3000) so that the JIT has compiled its
# request path, as in a controller that has been running; SERVED=0 measures a just-started one.
# Usage: bench/command-benchmark.sh [ROUNDS] [WARMUP] [SERVED]   (needs openssh-server and openssh-client)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The reactor resolves the project's own modules to their target/ directories (no install).
mvn -B -q -DskipTests -pl controller-api -am package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="controller-api/target/test-classes:controller-api/target/classes:controller-core/target/test-classes:cvm-provisioner/target/test-classes:$(cat controller-api/target/bench.classpath)"
echo "$(date -u +%FT%TZ) commit $(git rev-parse --short HEAD); $(nproc) cpus; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
RUN=(java -cp "$CP" dev.duet.api.bench.CommandBenchmark "${1:-200}" "${2:-30}" "${3:-3000}")
# sshd runs each command with the login user's shell, which reads ~/.bashrc when started by sshd. A
# slow one (root's here runs `pyenv init`: 1-3 s) would swamp the transport being measured, equally on
# both sides; as root the benchmark hides it in a mount namespace of its own, and says so.
if [ "$(id -u)" = 0 ] && [ -s "$HOME/.bashrc" ] && command -v unshare >/dev/null; then
  echo "$HOME/.bashrc hidden from the benchmark's sshd (private mount namespace)"
  unshare -m --propagation private bash -c 'mount --bind /dev/null "$HOME/.bashrc" && exec "$@"' bench "${RUN[@]}"
else
  "${RUN[@]}"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
