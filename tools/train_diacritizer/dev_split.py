"""The dev split carved from the training text, for tuning (val.txt stays the benchmark).

A line of all.txt is a dev line when its text without marks hashes to 0 modulo --mod
(arabic.is_dev_line: SHA-1, ~1 line in 50 by default), so the split is deterministic, needs no
list of line numbers, and keeps repeated lines on one side. train.py --dev-mod holds these
lines out and reports on them.

The "novel" dev lines (--write-novel) are those sharing no sequence of 8 words (without marks)
with any training line: all.txt was cleaned of such overlaps with val.txt, so these lines are
as new to the network as val.txt's are (the whole dev split is easier: about 0.2 points of
DER lower with case endings), and tuning on them carries over to val.txt better.

Usage: /usr/bin/python3 dev_split.py [--all ALL.txt] [--val VAL.txt] [--mod 50] [--write DEV.txt]
       [--write-novel NOVEL.txt]
Prints the split's size and checks that no line (without marks) of val.txt is in all.txt and
that no dev line is also a training line; exits 1 when one is.
"""
import argparse
import os
import sys

import arabic

NOVEL_NGRAM = 8  # words in a shared sequence that makes a dev line not novel


def bare(line):
    return "".join(ch for ch in line if not arabic.is_mark(ord(ch))).strip()


def word_ngrams(line, n=NOVEL_NGRAM):
    words = bare(line).split()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def novel_lines(dev, train_lines):
    """The lines of `dev` sharing no NOVEL_NGRAM-word sequence (without marks) with
    `train_lines`."""
    seen = set()
    for line in train_lines:
        seen |= word_ngrams(line)
    return [line for line in dev if not word_ngrams(line) & seen]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = arabic.find_data_dir(os.path.dirname(os.path.dirname(here)))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--all", default=os.path.join(data, "all.txt"))
    p.add_argument("--val", default=os.path.join(data, "val.txt"))
    p.add_argument("--mod", type=int, default=arabic.DEV_MOD)
    p.add_argument("--write", default="", help="write the dev lines to this file")
    p.add_argument("--write-novel", default="",
                   help="write the dev lines sharing no 8-word sequence with training lines")
    args = p.parse_args()
    with open(args.all, encoding="utf-8") as f:
        lines = f.read().splitlines()
    with open(args.val, encoding="utf-8") as f:
        val = {bare(line) for line in f.read().splitlines()}
    dev, training = [], []
    for line in lines:
        (dev if arabic.is_dev_line(line, args.mod) else training).append(line)
    train = {bare(line) for line in training}
    dev_bare = {bare(line) for line in dev}
    leaks = {"val lines in all.txt": len(val & (train | dev_bare)),
             "dev lines also in training": len(dev_bare & train)}
    print(f"{len(lines)} lines: {len(dev)} dev ({sum(len(l) for l in dev)} characters), "
          f"{len(lines) - len(dev)} training; " + ", ".join(f"{k}: {v}" for k, v in leaks.items()))
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write("\n".join(dev) + "\n")
    if args.write_novel:
        novel = novel_lines(dev, training)
        print(f"{len(novel)} novel dev lines")
        with open(args.write_novel, "w", encoding="utf-8") as f:
            f.write("\n".join(novel) + "\n")
    return 1 if any(leaks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
