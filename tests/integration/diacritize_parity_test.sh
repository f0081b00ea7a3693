#!/usr/bin/env bash
# The committed model (models/) in C++ (polyvox diacritize) and in the Python reference
# (tools/train_diacritizer/predict.py) choose the same marks: on validation lines without their
# marks, the two outputs scored against each other (tools/score_diacritics.py, every letter
# counted) differ on at most 0.1% of letters (the issue's bar: 99.9% agreement). Float rounding
# may differ between the two; anything more is a bug in one of them.
# Usage: diacritize_parity_test.sh POLYVOX_BINARY [LINES, default 300]
set -euo pipefail
bin="$1"
lines="${2:-300}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

head -n "$lines" "$repo/tests/data/arabic/val.txt" | LC_ALL=C sed 's/\xd9[\x8b-\x92]//g' > "$tmp/in.txt"
POLYVOX_MODELS_DIR="$repo/models" "$bin" diacritize "$tmp/in.txt" > "$tmp/cpp.txt"
(cd "$repo/tools/train_diacritizer" &&
  /usr/bin/python3 predict.py "$repo/models/arabic_diacritizer.bin") < "$tmp/in.txt" > "$tmp/python.txt"
figures="$(/usr/bin/python3 "$repo/tools/score_diacritics.py" "$tmp/python.txt" "$tmp/cpp.txt" --json)"
/usr/bin/python3 - "$figures" <<'PY'
import json, sys
f = json.loads(sys.argv[1])
differ = f["der_with_case_ending"]
print(f"parity: C++ and Python differ on {differ:.3f}% of {f['letters']} letters "
      f"({f['wer_with_case_ending']:.3f}% of {f['words']} words)")
if differ > 0.1:
    print("FAIL: more than 0.1% of letters differ")
    sys.exit(1)
print("1 passed, 0 failed")
PY
