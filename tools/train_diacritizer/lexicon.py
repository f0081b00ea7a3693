"""The word lexicon of the diacritizer: for every word of the training text (a run of the 36
letters), how often each pattern of marks on its letters other than the last was seen.

Inference (predict.py, src/text/) lets the network choose among the seen patterns of a known
word (network log-probabilities plus a frequency prior) instead of letter by letter; the last
letter (case ending) stays the network's choice.

File (UTF-8 text): a first line "#polyvox-lexicon 1 prior_weight=W", then one word a line,
sorted: WORD TAB PATTERN:COUNT[ PATTERN:COUNT...], a pattern being one hexadecimal digit (class
id 0..e) per letter but the last, most frequent first.

Usage: /usr/bin/python3 lexicon.py TRAINING_TEXT OUTPUT_FILE [--lines N] [--prior-weight W]
"""
import collections
import sys

import arabic

DEFAULT_PRIOR_WEIGHT = 1.0


def words_with_classes(line):
    """[(word, classes)] for each run of letters of `line` (marks kept as classes)."""
    bases, marks, _ = arabic.parse_line(line)
    words, letters, classes = [], [], []
    for cp, m in zip(bases, marks):
        if arabic.is_letter(cp):
            letters.append(chr(cp))
            classes.append(arabic.class_of(m))
        elif letters:
            words.append(("".join(letters), classes))
            letters, classes = [], []
    if letters:
        words.append(("".join(letters), classes))
    return words


def build(lines):
    seen = collections.defaultdict(collections.Counter)
    for line in lines:
        for word, classes in words_with_classes(line):
            if len(word) >= 2:
                seen[word]["".join("%x" % c for c in classes[:-1])] += 1
    return seen


def write(seen, path, prior_weight):
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"#polyvox-lexicon 1 prior_weight={prior_weight}\n")
        for word in sorted(seen):
            patterns = sorted(seen[word].items(), key=lambda pc: (-pc[1], pc[0]))
            f.write(word + "\t" + " ".join(f"{p}:{c}" for p, c in patterns) + "\n")


def load(path):
    """(word -> [(classes tuple, count)] in file order, prior weight)."""
    table = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().split()
        assert header[:2] == ["#polyvox-lexicon", "1"], "not a lexicon file"
        prior_weight = float(header[2].split("=")[1])
        for line in f:
            word, rest = line.rstrip("\n").split("\t")
            table[word] = [(tuple(int(ch, 16) for ch in p), int(c))
                           for p, c in (item.split(":") for item in rest.split(" "))]
    return table, prior_weight


def main():
    args = sys.argv[1:]
    limit, prior_weight = 0, DEFAULT_PRIOR_WEIGHT
    if "--lines" in args:
        i = args.index("--lines")
        limit = int(args[i + 1])
        del args[i:i + 2]
    if "--prior-weight" in args:
        i = args.index("--prior-weight")
        prior_weight = float(args[i + 1])
        del args[i:i + 2]
    with open(args[0], encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    seen = build(lines[:limit] if limit else lines)
    write(seen, args[1], prior_weight)
    print(f"{len(seen)} words, {sum(len(c) for c in seen.values())} patterns -> {args[1]}")


if __name__ == "__main__":
    main()
