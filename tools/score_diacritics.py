#!/usr/bin/env python3
"""Scores diacritized Arabic against a gold file, line by line, the way the Fadel et al. 2019
benchmark does (the rules below).

DER = wrong letters / counted letters and WER = wrong words / words, each with and without the
case ending, always counting letters that carry no mark ("including no diacritic"):
  - both texts: `اً` -> `ًا`; every character that is not one of the 36 letters, the 8 marks or a
    space becomes a space; spaces collapse; marks at line start or after a space are dropped;
  - a letter's class is one of 15 (none, 6 vowels, sukun, shadda, shadda + each vowel in either
    order); any other pair counts as its first mark; a third mark is ignored;
  - without case ending, the last letter of each word is not counted (purely positional), and a
    word is wrong when one of its other letters is;
  - the prediction must have exactly the gold's letters (only marks may differ), else it is an
    error naming the line.

Usage: score_diacritics.py GOLD PREDICTED [--json]
"""
import json
import sys

FATHATAN, DAMMATAN, KASRATAN, FATHA, DAMMA, KASRA, SHADDA, SUKUN = range(0x064B, 0x0653)
VOWELS = (FATHA, FATHATAN, DAMMA, DAMMATAN, KASRA, KASRATAN)
SINGLE = {m: i + 1 for i, m in enumerate(VOWELS + (SUKUN, SHADDA))}
WITH_SHADDA = {v: 9 + i for i, v in enumerate(VOWELS)}


def is_letter(ch):
    cp = ord(ch)
    return 0x0621 <= cp <= 0x063A or 0x0641 <= cp <= 0x064A


def is_mark(ch):
    return 0x064B <= ord(ch) <= 0x0652


def clean(line):
    """The benchmark's cleaning of one line."""
    line = line.replace("\u0627\u064B", "\u064B\u0627")
    out = []
    for ch in line:
        if is_letter(ch):
            out.append(ch)
        elif is_mark(ch):
            if out and out[-1] != " ":
                out.append(ch)
        elif not out or out[-1] != " ":
            out.append(" ")
    return "".join(out).strip(" ")


def class_of(marks):
    if not marks:
        return 0
    if len(marks) >= 2:
        a, b = ord(marks[0]), ord(marks[1])
        if a == SHADDA and b in VOWELS:
            return WITH_SHADDA[b]
        if b == SHADDA and a in VOWELS:
            return WITH_SHADDA[a]
    return SINGLE[ord(marks[0])]


def words_of(line):
    """[(letters, classes)] of each word of a cleaned line."""
    result = []
    for word in line.split(" "):
        letters, classes, marks = [], [], []
        for ch in word + "\0":
            if ch == "\0" or is_letter(ch):
                if letters:
                    classes.append(class_of(marks))
                if ch != "\0":
                    letters.append(ch)
                marks = []
            else:
                marks.append(ch)
        if letters:
            result.append(("".join(letters), classes))
    return result


class Score:
    def __init__(self):
        self.letters = {"with_ce": 0, "without_ce": 0}
        self.wrong_letters = {"with_ce": 0, "without_ce": 0}
        self.words = 0
        self.wrong_words = {"with_ce": 0, "without_ce": 0}

    def add_line(self, gold, predicted, line_number=0):
        """Adds one line pair. Raises ValueError when the letters differ."""
        gold_words, pred_words = words_of(clean(gold)), words_of(clean(predicted))
        if [w for w, _ in gold_words] != [w for w, _ in pred_words]:
            raise ValueError(f"line {line_number}: the prediction's letters differ from the gold's")
        for (_, gold_classes), (_, pred_classes) in zip(gold_words, pred_words):
            wrong = [g != p for g, p in zip(gold_classes, pred_classes)]
            self.words += 1
            self.letters["with_ce"] += len(wrong)
            self.letters["without_ce"] += len(wrong) - 1
            self.wrong_letters["with_ce"] += sum(wrong)
            self.wrong_letters["without_ce"] += sum(wrong[:-1])
            self.wrong_words["with_ce"] += any(wrong)
            self.wrong_words["without_ce"] += any(wrong[:-1])

    def figures(self):
        """Percentages: der/wer with and without case ending, and the counts behind them."""
        pct = lambda a, b: 100.0 * a / b if b else 0.0
        return {
            "der_with_case_ending": pct(self.wrong_letters["with_ce"], self.letters["with_ce"]),
            "der_without_case_ending": pct(self.wrong_letters["without_ce"],
                                           self.letters["without_ce"]),
            "wer_with_case_ending": pct(self.wrong_words["with_ce"], self.words),
            "wer_without_case_ending": pct(self.wrong_words["without_ce"], self.words),
            "letters": self.letters["with_ce"], "words": self.words,
        }


def score_files(gold_path, predicted_path):
    with open(gold_path, encoding="utf-8") as g, open(predicted_path, encoding="utf-8") as p:
        gold_lines, pred_lines = g.read().splitlines(), p.read().splitlines()
    if len(gold_lines) != len(pred_lines):
        raise ValueError(f"{len(gold_lines)} gold lines but {len(pred_lines)} predicted lines")
    score = Score()
    for n, (gold, pred) in enumerate(zip(gold_lines, pred_lines), start=1):
        score.add_line(gold, pred, n)
    return score.figures()


def main(argv):
    args = [a for a in argv if a != "--json"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        figures = score_files(args[0], args[1])
    except ValueError as e:
        print(f"score_diacritics: {e}", file=sys.stderr)
        return 1
    if "--json" in argv:
        print(json.dumps(figures))
    else:
        print(f"DER without case ending {figures['der_without_case_ending']:.2f}%  "
              f"with case ending {figures['der_with_case_ending']:.2f}%")
        print(f"WER without case ending {figures['wer_without_case_ending']:.2f}%  "
              f"with case ending {figures['wer_with_case_ending']:.2f}%  "
              f"({figures['words']} words, {figures['letters']} letters)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
