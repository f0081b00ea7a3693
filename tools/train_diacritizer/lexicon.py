"""The word lexicon of the diacritizer: for every word of the training text (a run of the 36
letters), how often each pattern of mark classes on its letters was seen.

Inference (predict.py, src/text/) lets the network choose among the seen patterns of a known
word (network log-probabilities plus a frequency prior) instead of letter by letter. A word
seen at least `full_min_count` times chooses among its whole patterns, last letter (case
ending) included; a rarer word of two letters or more chooses only the marks of its letters
but the last, among its patterns merged on those letters, and keeps the network's case ending.

File (UTF-8 text): a first line "#polyvox-lexicon 2 prior_weight=W full_min_count=K", then one
word a line, sorted: WORD TAB PATTERN:COUNT[ PATTERN:COUNT...], a pattern being one
hexadecimal digit (class id 0..e) per letter, most frequent first (ties: smaller pattern first).

Usage: /usr/bin/python3 lexicon.py TRAINING_TEXT OUTPUT_FILE [--lines N] [--prior-weight W]
       [--full-min-count K]
"""
import collections
import sys

import arabic

DEFAULT_PRIOR_WEIGHT = 1.0
DEFAULT_FULL_MIN_COUNT = 5


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
            seen[word][tuple(classes)] += 1
    return seen


def ordered(counter):
    """(pattern, count) most frequent first, ties by the smaller pattern."""
    return sorted(counter.items(), key=lambda pc: (-pc[1], pc[0]))


def write(seen, path, prior_weight, full_min_count):
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"#polyvox-lexicon 2 prior_weight={prior_weight} full_min_count={full_min_count}\n")
        for word in sorted(seen):
            items = " ".join("".join("%x" % c for c in p) + f":{c}" for p, c in ordered(seen[word]))
            f.write(f"{word}\t{items}\n")


class Lexicon:
    def __init__(self, path):
        self.words = {}
        with open(path, encoding="utf-8") as f:
            header = f.readline().split()
            assert header[:2] == ["#polyvox-lexicon", "2"], "not a lexicon file"
            fields = dict(item.split("=") for item in header[2:])
            self.prior_weight = float(fields["prior_weight"])
            self.full_min_count = int(fields["full_min_count"])
            for line in f:
                word, rest = line.rstrip("\n").split("\t")
                self.words[word] = [(tuple(int(ch, 16) for ch in p), int(c))
                                    for p, c in (item.split(":") for item in rest.split(" "))]

    def candidates(self, word):
        """(patterns [(classes, count)], total count) to choose from for `word`: whole patterns
        when seen full_min_count times or more, else patterns of its letters but the last
        (words of two letters or more); None when there is nothing to choose from."""
        patterns = self.words.get(word)
        if not patterns:
            return None
        total = sum(c for _, c in patterns)
        if total >= self.full_min_count:
            return patterns, total
        if len(word) < 2:
            return None
        merged = collections.Counter()
        for p, c in patterns:
            merged[p[:-1]] += c
        return ordered(merged), total


def main():
    args = sys.argv[1:]
    options = {"--lines": 0, "--prior-weight": DEFAULT_PRIOR_WEIGHT,
               "--full-min-count": DEFAULT_FULL_MIN_COUNT}
    for name in list(options):
        if name in args:
            i = args.index(name)
            options[name] = type(options[name])(args[i + 1])
            del args[i:i + 2]
    with open(args[0], encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    limit = options["--lines"]
    seen = build(lines[:limit] if limit else lines)
    write(seen, args[1], options["--prior-weight"], options["--full-min-count"])
    print(f"{len(seen)} words, {sum(len(c) for c in seen.values())} patterns -> {args[1]}")


if __name__ == "__main__":
    main()
