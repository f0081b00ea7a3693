#!/usr/bin/env bash
# Trains six tiny diacritizers (characters only; word embeddings; word embeddings + the
# word-level context layer; and + the word feed into the second layer, also in bfloat16 and with
# unknown words read through their stems) and builds their lexicon
# from a few hundred lines of the training text (seconds), then checks that the Python training
# code (tools/train_diacritizer/predict.py) and the C++ inference (polyvox diacritize) write the
# same output from the same exported files. Then a seventh model learns from two of them
# (distillation, the teachers reading words differently). Last, the word-feed model's word
# layers are widened (widen.py): the widened model must write what the model it was widened
# from writes. A model with a residual layer more follows; then those and the word-feed one run
# in int8 (int8.py), from both sides.
# Usage: diacritizer_training_smoke_test.sh POLYVOX_BINARY
set -euo pipefail
bin="$1"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
data="$repo/tests/data/arabic"  # copies of the training data (see its README)
tools="$repo/tools/train_diacritizer"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A fixed set of lines: 60 validation lines without their marks (some longer than a segment),
# partly marked lines, mixed scripts, empty and non-Arabic lines, other Arabic combining marks
# (superscript alef, a Quranic sign) and hamza letters written decomposed (NFD).
head -n 60 "$data/val.txt" | LC_ALL=C sed 's/\xd9[\x8b-\x92]//g' > "$tmp/in.txt"
printf '%s\n' "" "محمّد رسول الله" "كُتِب الدرسُ في المدرسة" "Polyvox 2.0 يقرأ (النص) 42%" \
  "Latin only" "ً قبل الحرف" "هٰذا الكتاب لٰكنۖ" \
  "$(printf 'س\u0627\u0654ل \u0627\u0653دم عن \u0627\u064E\u0654حمد')" >> "$tmp/in.txt"

# Diacritizes in.txt with the model in directory $1 (named $2 in messages) from Python and from
# C++, into $tmp/python-$3.txt and $tmp/$3.txt; fails unless both write the same.
same_from_both() {
  (cd "$tools" && /usr/bin/python3 predict.py "$1/arabic_diacritizer.bin") \
    < "$tmp/in.txt" > "$tmp/python-$3.txt"
  POLYVOX_MODELS_DIR="$1" "$bin" diacritize "$tmp/in.txt" > "$tmp/$3.txt"
  if ! cmp -s "$tmp/python-$3.txt" "$tmp/$3.txt"; then
    echo "FAIL (model $2): Python and C++ outputs differ:"
    diff "$tmp/python-$3.txt" "$tmp/$3.txt" | head -n 20
    exit 1
  fi
}

# Six tiny models: characters only, with word embeddings (words seen twice or more), with
# word embeddings + word context, + the word feed, and the same trained in bfloat16 or reading
# unknown words through their stems (NAME:WORD_MIN_COUNT:WORD_CONTEXT:FEED[:FLAG]). Inference cuts lines into segments of 120
# characters, so that the longer lines are cut.
for config in chars:0:0:0 words:2:0:0 context:2:32:0 feed-bf16:2:32:16:--bf16 \
  feed-stems:2:32:16:--word-stems feed:2:32:16; do
  IFS=: read -r name words context feed flag <<< "$config"
  models="$tmp/models-$name"
  /usr/bin/python3 "$tools/train.py" --train "$data/train_sample.txt" --train-lines 300 \
    --val "$data/val.txt" --val-lines 20 --epochs 2 --embedding 16 --hidden 32 --layers 2 \
    --max-len 120 --segment-chars 120 --batch-tokens 6000 --word-min-count "$words" --word-dropout 0.1 \
    --word-context "$context" --head-hidden 16 --word-feed "$feed" ${flag:+"$flag"} --work-dir "$tmp/work-$name" --output "$models/arabic_diacritizer.bin" > "$tmp/train.log"
  /usr/bin/python3 "$tools/lexicon.py" "$data/train_sample.txt" "$models/arabic_diacritizer.lexicon" \
    --lines 300 > /dev/null

  same_from_both "$models" "$name" cpp
  if cmp -s "$tmp/cpp.txt" "$tmp/in.txt"; then
    echo "FAIL (model $name): the trained model added no marks"
    exit 1
  fi
done
# Distillation from an ensemble whose members read words differently (one reads unknown words
# through their stems, the other does not): the student trains on their stored scores and C++
# and Python write the same output from it; a run given another ensemble refuses those scores.
student="$tmp/models-student"
distill() {
  /usr/bin/python3 "$tools/train.py" --train "$data/train_sample.txt" --train-lines 300 \
    --val "$data/val.txt" --val-lines 20 --epochs 1 --embedding 16 --hidden 32 --layers 2 \
    --max-len 120 --segment-chars 120 --batch-tokens 6000 --word-min-count 2 --word-dropout 0.1 \
    --word-context 32 --head-hidden 16 --word-feed 16 --temperature 2 \
    --work-dir "$tmp/work-student" --output "$student/arabic_diacritizer.bin" "$@"
}
distill --teacher "$tmp/models-feed-stems/arabic_diacritizer.bin" \
  --teacher "$tmp/models-feed/arabic_diacritizer.bin" > "$tmp/train.log"
if ! grep -q "teacher scores of" "$tmp/train.log" || [ ! -s "$tmp/work-student/teacher_scores.npy" ]; then
  echo "FAIL (distillation): no teacher scores were computed"
  exit 1
fi
cp "$tmp/models-feed/arabic_diacritizer.lexicon" "$student/"
same_from_both "$student" distilled cpp-student
rc=0
distill --epochs 2 --teacher "$tmp/models-feed/arabic_diacritizer.bin" > "$tmp/train.log" 2>&1 || rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "scores of another teacher" "$tmp/train.log"; then
  echo "FAIL (distillation): another ensemble's stored scores were not refused (exit $rc)"
  exit 1
fi

# Widening the character layers and the word layers (other sizes for the character LSTMs, the
# word context, the feed and the head) keeps what the model computes: same output as the
# word-feed model, from C++ and from Python.
wide="$tmp/models-wide"
mkdir -p "$wide"
(cd "$tools" && /usr/bin/python3 widen.py "$tmp/models-feed/arabic_diacritizer.bin" \
  "$wide/arabic_diacritizer.bin" --hidden 64 --word-context 48 --word-feed 24 --head-hidden 32) > /dev/null
cp "$tmp/models-feed/arabic_diacritizer.lexicon" "$wide/"
# The scores themselves, not only the marks chosen from them (a tiny model's word layers move
# its scores too little to change a mark).
(cd "$tools" && /usr/bin/python3 - "$tmp/models-feed/arabic_diacritizer.bin" \
  "$wide/arabic_diacritizer.bin" "$tmp/in.txt") <<'PY'
import sys
import torch
import arabic, model, predict
nets = [model.load(path) for path in sys.argv[1:3]]
worst = 0.0
with torch.no_grad(), open(sys.argv[3], encoding="utf-8") as f:
    for line in f.read().splitlines():
        bases, marks, _, _ = arabic.parse_line_folded(line)
        scores = [predict.line_logits(net, vocab, bases, marks, header["max_segment_chars"],
                                      header["word_index"]) for net, vocab, header in nets]
        if scores[0] is not None:
            worst = max(worst, float((scores[0] - scores[1]).abs().max()))
for key in ("word_context", "hidden"):
    if not 0 < nets[1][0].config[key] != nets[0][0].config[key]:
        sys.exit(f"FAIL: the model was not widened ({key})")
if worst > 1e-5:
    sys.exit(f"FAIL: the widened model's scores differ by up to {worst}")
PY
(cd "$tools" && /usr/bin/python3 predict.py "$wide/arabic_diacritizer.bin") \
  < "$tmp/in.txt" > "$tmp/python-wide.txt"
POLYVOX_MODELS_DIR="$wide" "$bin" diacritize "$tmp/in.txt" > "$tmp/cpp-wide.txt"
for out in python-wide cpp-wide; do
  if ! cmp -s "$tmp/$out.txt" "$tmp/cpp.txt"; then
    echo "FAIL ($out): the widened model writes other marks than the model it was widened from:"
    diff "$tmp/cpp.txt" "$tmp/$out.txt" | head -n 20
    exit 1
  fi
done

# Residual character layers (--residual-layers): the word-feed model with one more layer,
# trained a little further, writes the same from Python and C++.
residual="$tmp/models-residual"
/usr/bin/python3 "$tools/train.py" --train "$data/train_sample.txt" --train-lines 300 \
  --val "$data/val.txt" --val-lines 20 --epochs 1 --embedding 16 --hidden 32 --layers 2 \
  --max-len 120 --segment-chars 120 --batch-tokens 6000 --word-dropout 0.1 --word-context 32 \
  --head-hidden 16 --word-feed 16 --residual-layers 1 --lr 1e-2 \
  --init-from "$tmp/models-feed/arabic_diacritizer.bin" --work-dir "$tmp/work-residual" \
  --output "$residual/arabic_diacritizer.bin" > "$tmp/train.log"
if ! grep -q '"residual_layers":1' "$residual/arabic_diacritizer.bin"; then
  echo "FAIL (residual): the exported model has no residual layer"
  exit 1
fi
cp "$tmp/models-feed/arabic_diacritizer.lexicon" "$residual/"
same_from_both "$residual" residual cpp-residual

# Int8 recurrence (int8.py marks a file; both sides round its weights when they load it): the
# word-feed model, the widened one (32 and 64 units: the C++ VNNI kernel where the CPU has
# it) and the residual one write the same from Python and C++.
for name in feed wide residual; do
  q8="$tmp/models-$name-int8"
  mkdir -p "$q8"
  (cd "$tools" && /usr/bin/python3 int8.py "$tmp/models-$name/arabic_diacritizer.bin" \
    "$q8/arabic_diacritizer.bin") > /dev/null
  cp "$tmp/models-feed/arabic_diacritizer.lexicon" "$q8/"
  same_from_both "$q8" "$name-int8" "cpp-$name-int8"
done
echo "training smoke: $(wc -l < "$tmp/in.txt") lines identical from Python and C++ (all six models, the distilled one, the widened one, the residual one and three in int8)"
