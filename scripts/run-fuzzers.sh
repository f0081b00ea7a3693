#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz`, one after the other, each for SECONDS, starting
# from its committed seeds (tests/fuzz/corpus/<target>, read only) and the inputs earlier runs
# found (BUILD_DIR/work/corpus/<target>, where new ones are added). Crashes are written to
# BUILD_DIR/work/artifacts/<target>/; logs to BUILD_DIR/work/logs/<target>.log. Prints the
# executions per target; exits 1 when a target crashed.
# usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS TARGET...
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 BUILD_DIR SECONDS TARGET..." >&2
  exit 2
fi
build="$1"
seconds="$2"
shift 2
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
work="$build/work"
failed=0
printf '%-14s %8s %12s %8s %s\n' target seconds executions corpus result
for target in "$@"; do
  binary="$build/tests/fuzz/${target}_fuzz"
  seeds="$source_dir/tests/fuzz/corpus/$target"
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  log="$work/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  result=ok
  started=$SECONDS
  # -timeout: one input may take at most 10 s (the decoder's own deadline is 3 s).
  if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" "$corpus" "$seeds" >"$log" 2>&1; then
    result="CRASH (see $log, $artifacts)"
    failed=1
  fi
  elapsed=$((SECONDS - started))
  executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  count="$(find "$corpus" -type f | wc -l)"
  printf '%-14s %8s %12s %8s %s\n' "$target" "$elapsed" "${executions:-?}" "$count" "$result"
done
exit "$failed"
