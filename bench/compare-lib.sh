# Shared by the bench scripts (source it): an older commit's tree beside this one, each built
# by the reactor, which resolves a tree's own modules to its target/ directories (no install).

# compare_classpath TREE MODULE: builds MODULE of TREE (offline) and prints its test class path.
compare_classpath() {
  (cd "$1" && mvn -B -q -o -DskipTests -pl "$2" -am package dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/bench.classpath >/dev/null)
  echo "$1/$2/target/test-classes:$1/$2/target/classes:$(cat "$1/$2/target/bench.classpath")"
}

# compare_setup ROOT BASE MODULE: extracts commit BASE of the repository at ROOT into a temporary
# directory (removed when the script exits), builds MODULE in both trees, sets BASE_CP and HEAD_CP
# to their class paths, and prints the line that opens the comparison's output.
compare_setup() {
  COMPARE_WORK=$(mktemp -d)
  trap 'rm -rf "$COMPARE_WORK"' EXIT
  git -C "$1" archive "$2" | tar -x -C "$COMPARE_WORK"
  BASE_CP=$(compare_classpath "$COMPARE_WORK" "$3")
  HEAD_CP=$(compare_classpath "$1" "$3")
  echo "$(date -u +%FT%TZ) base $(git -C "$1" rev-parse --short "$2"), head $(git -C "$1" rev-parse --short HEAD)" \
       "(+ uncommitted: $(git -C "$1" status --porcelain | wc -l) files); $(nproc) cpus"
}

# harness_run ROOT MODULE CLASS ARGS...: builds MODULE of this tree and runs its harness CLASS with
# ARGS, between a line naming the commit and the load before, and the load after.
harness_run() {
  local root=$1 module=$2 class=$3 cp
  shift 3
  cp=$(compare_classpath "$root" "$module")
  echo "$(date -u +%FT%TZ) commit $(git -C "$root" rev-parse --short HEAD); $(nproc) cpus; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  java -cp "$cp" "$class" "$@"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
}
