#!/usr/bin/env bash
# polyvox diacritize from outside: streams lines, keeps every non-mark character in place,
# passes non-Arabic and empty lines unchanged, honours given marks, rejects invalid UTF-8.
# Usage: diacritize_test.sh POLYVOX_BINARY
set -uo pipefail
bin="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # check NAME COMMAND...: counts a failure when the command fails
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi
}
strip_marks() { LC_ALL=C sed 's/\xd9[\x8b-\x92]//g'; }

printf '%s\n' "ذهب الولد إلى المدرسة" "" "Hello, world 123" \
  "Polyvox 2.0 يقرأ النص (بسرعة) 42%" "كُتِب الدرس" "   " > "$tmp/in.txt"
"$bin" diacritize "$tmp/in.txt" > "$tmp/out.txt" 2> "$tmp/err.txt"
check "exit 0 on a file" test $? -eq 0
check "same number of lines" test "$(wc -l < "$tmp/out.txt")" -eq 6
check "only marks added" cmp -s <(strip_marks < "$tmp/out.txt") <(strip_marks < "$tmp/in.txt")
check "arabic line gains marks" test "$(sed -n 1p "$tmp/out.txt")" != "$(sed -n 1p "$tmp/in.txt")"
check "empty line stays empty" test -z "$(sed -n 2p "$tmp/out.txt")"
check "latin line unchanged" test "$(sed -n 3p "$tmp/out.txt")" = "Hello, world 123"
check "blank line unchanged" test "$(sed -n 6p "$tmp/out.txt")" = "   "
check "given marks kept in place" grep -q '^كُتِب' <(sed -n 5p "$tmp/out.txt")

"$bin" diacritize < "$tmp/in.txt" > "$tmp/stdin_out.txt"
check "stdin gives the same output" cmp -s "$tmp/out.txt" "$tmp/stdin_out.txt"

printf 'كتب' | "$bin" diacritize > "$tmp/no_newline.txt"
check "no newline added to a last line without one" test "$(tail -c 1 "$tmp/no_newline.txt" | od -An -c | tr -d ' ')" != '\n'

: | "$bin" diacritize > "$tmp/empty.txt"
check "empty input gives empty output" test ! -s "$tmp/empty.txt"

printf 'سطر أول\nسطر ثان\nabcd\xffxyz\n' | "$bin" diacritize > "$tmp/bad_out.txt" 2> "$tmp/bad_err.txt"
code=$?
check "invalid UTF-8 exits 2" test "$code" -eq 2
check "message names line 3, column 5" grep -q 'line 3, column 5' "$tmp/bad_err.txt"

"$bin" diacritize "$tmp/does-not-exist.txt" > /dev/null 2>&1
check "missing file exits 2" test $? -eq 2

DIACRITIZER=none "$bin" diacritize "$tmp/in.txt" > "$tmp/none.txt"
check "DIACRITIZER=none leaves text unchanged" cmp -s "$tmp/none.txt" "$tmp/in.txt"

POLYVOX_MODELS_DIR="$tmp/nowhere" "$bin" diacritize "$tmp/in.txt" > /dev/null 2> "$tmp/nomodel.txt"
code=$?
check "missing model is a configuration error" test "$code" -eq 2
check "message names the model file" grep -q 'arabic_diacritizer.bin' "$tmp/nomodel.txt"

printf '%s\n' "ذهب الولد إلى المدرسة في Paris" "Latin only" > "$tmp/explain_in.txt"
"$bin" diacritize --explain "$tmp/explain_in.txt" > "$tmp/explain.txt"
check "--explain exits 0" test $? -eq 0
check "--explain: the line, then one line per Arabic word" test "$(wc -l < "$tmp/explain.txt")" -eq 7
"$bin" diacritize "$tmp/explain_in.txt" > "$tmp/explain_plain.txt"
check "--explain: the diacritized line first" cmp -s <(sed -n 1p "$tmp/explain.txt") <(sed -n 1p "$tmp/explain_plain.txt")
word_line() {  # word_line LINE_NUMBER WORD_NUMBER SOURCE_REGEX: that line explains that word
  awk -F'\t' -v n="$1" -v k="$2" -v re="$3" 'NR == n && $1 == "  " k && $2 != "" && $3 ~ re \
    { found = 1 } END { exit !found }' "$tmp/explain.txt"
}
check "--explain: a word line names who decided" word_line 5 4 '^(lexicon|network|lexicon[+]network)$'
check "--explain: a lexicon word" word_line 6 5 '^lexicon$'
fields() {  # fields LINE_NUMBER: that explained word's lexicon and network figures (4th, 5th)
  sed -n "$1p" "$tmp/explain.txt" | cut -f4,5
}
check "--explain: a frequent word's lexicon counts" grep -Eq '^lexicon: seen [0-9]+x, [0-9]+ patterns?, chosen one [0-9]+x	' <(fields 6)
check "--explain: the network's confidence" grep -Eq '	network: p=[01][.][0-9]{3}, weakest letter [01][.][0-9]{3}$' <(fields 6)
check "--explain: non-Arabic line unchanged" test "$(sed -n 7p "$tmp/explain.txt")" = "Latin only"

echo "diacritize: $((25 - failures)) passed, $failures failed"
test "$failures" -eq 0
