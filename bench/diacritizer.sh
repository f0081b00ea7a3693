#!/usr/bin/env bash
# Benchmark of the embedded Arabic diacritizer on the validation text (the Fadel et al. 2019 split):
# DER/WER with and without case ending (tools/score_diacritics.py), per-line latency on one
# core (median/p90/p99 per 50 words), model load time, and peak RSS of `polyvox diacritize`.
# Usage: bench/diacritizer.sh [BUILD_DIR] [GOLD_FILE]   (defaults: build, the validation text)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build}"
gold="${2:-$repo/tests/data/arabic/val.txt}"
models="${POLYVOX_MODELS_DIR:-$repo/models}"
model="$models/arabic_diacritizer.bin"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

LC_ALL=C sed 's/\xd9[\x8b-\x92]//g' "$gold" > "$tmp/plain.txt"
echo "== diacritizer: $(wc -l < "$gold") lines of $gold"
echo "model $model ($(stat -c %s "$model") bytes), lexicon $(stat -c %s "$models/arabic_diacritizer.lexicon") bytes"
taskset -c 0 "$build/bench/diacritizer_bench" "$model" "$models/arabic_diacritizer.lexicon" "$tmp/plain.txt" "$tmp/predicted.txt"
/usr/bin/python3 "$repo/tools/score_diacritics.py" "$gold" "$tmp/predicted.txt"
/usr/bin/time -f "%M" -o "$tmp/rss" "$build/polyvox" diacritize "$tmp/plain.txt" > "$tmp/cli.txt"
cmp -s "$tmp/cli.txt" "$tmp/predicted.txt" || { echo "polyvox diacritize differs from the bench"; exit 1; }
echo "peak RSS of polyvox diacritize over the whole file: $(( $(cat "$tmp/rss") / 1024 )) MB"
