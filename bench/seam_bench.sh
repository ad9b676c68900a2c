#!/usr/bin/env bash
# Usage: bench/seam_bench.sh OLD_TREE NEW_TREE OUT_PREFIX [ROUNDS]
# OLD_TREE is a checkout of the commit to compare with (git worktree add).
# Builds the seat command, review digest and credential evaluation
# benchmarks of both trees, runs them alternately so both see the same
# machine state, and compares them with benchstat.
set -euo pipefail
old=$(cd "$1" && pwd) new=$(cd "$2" && pwd) out=$3 rounds=${4:-6}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
: > "$out.old"; : > "$out.new"
for side in old new; do
  tree=${!side}
  for pkg in commands prompts credentials; do
    (cd "$tree" && go test -c -o "$bin/$pkg-$side" "./$pkg")
  done
done
for _ in $(seq 1 "$rounds"); do
  for side in old new; do
    tree=${!side}
    (cd "$tree/commands" && "$bin/commands-$side" -test.run '^$' -test.bench 'SeatCommands50k' -test.benchmem -test.count 1) | grep Benchmark >> "$out.$side"
    (cd "$tree/prompts" && "$bin/prompts-$side" -test.run '^$' -test.bench 'Digest30' -test.benchmem -test.count 1) | grep Benchmark >> "$out.$side"
    (cd "$tree/credentials" && "$bin/credentials-$side" -test.run '^$' -test.bench 'Evaluate$' -test.benchmem -test.count 1) | grep Benchmark >> "$out.$side"
  done
done
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$out.old" "$out.new"
