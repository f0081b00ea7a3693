"""Marks an output gives that the training text does not support: for each letter and place in
its word (first, middle, last letter; a one-letter word counts as last), the mark classes the
training text writes there and how often. An output class seen there in less than --share of
that letter's occurrences at that place is "unsupported" (e.g. a tanween inside a word, a vowel
on a middle alef). Prints how many letters of an output get one, for the words the lexicon knows
and for those it never saw (foreign names above all), and the gold's own rate for comparison.

Usage: unsupported_marks.py TRAIN.txt GOLD.txt PREDICTED.txt LEXICON [--share 0.001]
(PREDICTED: the gold's lines with the marks an engine chose, e.g. `polyvox diacritize` of the
gold without its marks).
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arabic  # noqa: E402
import lexicon  # noqa: E402


def places(bases):
    """(index, letter, place) of every letter: place 0 first, 1 middle, 2 last."""
    for start, end in arabic.word_runs(bases):
        for i in range(start, end):
            yield i, bases[i], 2 if i == end - 1 else 0 if i == start else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("train")
    p.add_argument("gold")
    p.add_argument("predicted")
    p.add_argument("lexicon")
    p.add_argument("--share", type=float, default=0.001)
    args = p.parse_args()
    counts = collections.defaultdict(collections.Counter)
    with open(args.train, encoding="utf-8") as f:
        for line in f:
            bases, marks, _ = arabic.parse_line(line.rstrip("\n"))
            for i, letter, place in places(bases):
                counts[(letter, place)][arabic.class_of(marks[i])] += 1

    def supported(letter, place, cls):
        seen = counts.get((letter, place))
        return bool(seen) and seen[cls] >= args.share * sum(seen.values())

    lex = lexicon.Lexicon(args.lexicon)
    tally = {k: collections.Counter() for k in ("known", "unseen")}
    examples = collections.Counter()
    with open(args.gold, encoding="utf-8") as g, open(args.predicted, encoding="utf-8") as o:
        for gold_line, out_line in zip(g, o):
            gb, gm, _ = arabic.parse_line(gold_line.rstrip("\n"))
            ob, om, _ = arabic.parse_line(out_line.rstrip("\n"))
            assert gb == ob, "the predicted file's letters differ from the gold's"
            for start, end in arabic.word_runs(gb):
                word = "".join(chr(cp) for cp in gb[start:end])
                t = tally["known" if word in lex.words else "unseen"]
                for i in range(start, end):
                    place = 2 if i == end - 1 else 0 if i == start else 1
                    t["letters"] += 1
                    out_ok = supported(gb[i], place, arabic.class_of(om[i]))
                    gold_ok = supported(gb[i], place, arabic.class_of(gm[i]))
                    t["out_unsupported"] += not out_ok
                    t["gold_unsupported"] += not gold_ok
                    if not out_ok:
                        examples[(chr(gb[i]), ("first", "middle", "last")[place],
                                  arabic.class_of(om[i]))] += 1
    for kind, t in tally.items():
        n = max(t["letters"], 1)
        print(f"{kind} words: {t['letters']} letters, output unsupported "
              f"{t['out_unsupported']} ({100 * t['out_unsupported'] / n:.3f}%), gold unsupported "
              f"{t['gold_unsupported']} ({100 * t['gold_unsupported'] / n:.3f}%)")
    print("most frequent unsupported output (letter, place, class):",
          examples.most_common(10))


if __name__ == "__main__":
    main()
