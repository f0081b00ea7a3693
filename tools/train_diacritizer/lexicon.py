"""The word lexicon of the diacritizer: for every word of the training text (a run of the 36
letters), how often each pattern of mark classes on its letters was seen, and for frequent
ambiguous words, how often each pattern was seen after / before a given neighbouring word.

Inference (predict.py, src/text/) lets the network choose among the seen patterns of a known
word (network log-probabilities plus a prior) instead of letter by letter. A word seen at least
`full_min_count` times chooses among its whole patterns, last letter (case ending) included; a
rarer word of two letters or more chooses only the marks of its letters but the last, among its
patterns merged on those letters, and keeps the network's case ending.

The prior of a pattern p of a frequent word w (count c of N), its previous word in the line
being a and its next word b (the runs of letters before and after it, "^" / "$" at the line's
ends), is, in this order:
  prior_weight * log(c / N)
  + left_weight * log((L[p] + s * c / N) / (L + s))    when (a, w) is in the lexicon
  + right_weight * log((R[p] + s * c / N) / (R + s))   when (w, b) is in the lexicon
with L[p] the times p was seen after a (L in all), R[p] before b, s = context_smoothing. Only
words with two patterns or more keep contexts, and only those seen context_min_count times.

The network may overrule the lexicon: when its own marks for the letters a word's patterns cover
(each letter's best class) score more than a margin above the best pattern's score (sum of
log-probabilities + prior), they stay, though the lexicon never saw them on that word. The margin
is network_margin_full for a word choosing whole patterns, network_margin_rare for a rarer one
(whose few sightings are the likelier to miss the right pattern); a file without these fields
never lets the network overrule.

Stems (header field stem_backoff=1; absent or 0: none): a word seen fewer than full_min_count
times (or never) is also read as clitics around a known stem (arabic.stem_splits): a prefix
of arabic.STEM_PREFIXES (the conjunctions, prepositions, the future s- and the article, alone
or combined), the stem, a suffix of arabic.STEM_SUFFIXES (the pronouns, and the commonest
endings of gender and number), not both empty, the stem at least two letters; a stem ending
in ta' before a suffix may also be the word with ta' marbuta. Of the splits whose stem the
lexicon knows, the longest stem wins (then the most often seen; then the first in the lists'
order). Its inner letters (all but the last, whose vowel the ending decides, and but the
first after the article, whose shadda depends on it) then choose among the stem's patterns
merged on those letters, like a rare word, unless the marks they already have score more than
network_margin_rare above the best of them.

File (UTF-8 text): a first line "#polyvox-lexicon 3 prior_weight=W full_min_count=K
left_weight=A right_weight=B context_smoothing=S context_min_count=M network_margin_full=F
network_margin_rare=R stem_backoff=1" (the margins and stem_backoff optional; version 2: the
first two fields only, no contexts), then one word a line, sorted: WORD TAB PATTERN:COUNT[
PATTERN:COUNT...] [TAB LEFT TAB RIGHT], a pattern being one hexadecimal digit (class id 0..e)
per letter, most frequent first (ties: smaller pattern first); LEFT and RIGHT (either may be
empty) are space-separated items NEIGHBOUR:K=COUNT[,K=COUNT...] sorted by neighbour, K being
the index of a pattern in the word's list, in increasing order.

Usage: /usr/bin/python3 lexicon.py TRAINING_TEXT OUTPUT_FILE [--lines N] [--prior-weight W]
       [--full-min-count K] [--left-weight A] [--right-weight B] [--context-smoothing S]
       [--context-min-count M] [--network-margin-full F] [--network-margin-rare R]
       [--stem-backoff 0|1]
"""
import collections
import math
import sys

import arabic

DEFAULT_PRIOR_WEIGHT = 1.0
DEFAULT_FULL_MIN_COUNT = 5
DEFAULT_LEFT_WEIGHT = 0.7
DEFAULT_RIGHT_WEIGHT = 0.5
DEFAULT_CONTEXT_SMOOTHING = 0.5
DEFAULT_CONTEXT_MIN_COUNT = 2
DEFAULT_NETWORK_MARGIN_FULL = 2.0
DEFAULT_NETWORK_MARGIN_RARE = 2.5
DEFAULT_STEM_BACKOFF = 1
# stem_backoff=1 splits words with arabic.stem_splits (its STEM_PREFIXES / STEM_SUFFIXES).
_AL, _LL = "\u0627\u0644", "\u0644\u0644"  # the article, and li- + the article (lil-)
LINE_START, LINE_END = "^", "$"


def words_with_classes(line):
    """[(word, classes)] for each run of letters of `line` (marks kept as classes)."""
    bases, marks, _ = arabic.parse_line(line)
    return [("".join(chr(cp) for cp in bases[s:e]), [arabic.class_of(m) for m in marks[s:e]])
            for s, e in arabic.word_runs(bases)]


def neighbours(words, k):
    """(previous word, next word) of words[k] in its line (LINE_START / LINE_END at the ends)."""
    return (words[k - 1] if k > 0 else LINE_START,
            words[k + 1] if k + 1 < len(words) else LINE_END)


def build(lines):
    """(patterns seen of each word, {(word, previous): patterns}, {(word, next): patterns})."""
    seen = collections.defaultdict(collections.Counter)
    left = collections.defaultdict(collections.Counter)
    right = collections.defaultdict(collections.Counter)
    for line in lines:
        pairs = words_with_classes(line)
        words = [w for w, _ in pairs]
        for k, (word, classes) in enumerate(pairs):
            pattern = tuple(classes)
            prev, nxt = neighbours(words, k)
            seen[word][pattern] += 1
            left[(word, prev)][pattern] += 1
            right[(word, nxt)][pattern] += 1
    return seen, left, right


def ordered(counter):
    """(pattern, count) most frequent first, ties by the smaller pattern."""
    return sorted(counter.items(), key=lambda pc: (-pc[1], pc[0]))


def write(tables, path, prior_weight, full_min_count, left_weight, right_weight,
          context_smoothing, context_min_count, network_margin_full=DEFAULT_NETWORK_MARGIN_FULL,
          network_margin_rare=DEFAULT_NETWORK_MARGIN_RARE, stem_backoff=DEFAULT_STEM_BACKOFF):
    seen, left, right = tables
    by_word = collections.defaultdict(lambda: ([], []))
    for side, table in ((0, left), (1, right)):
        for (word, neighbour), counter in table.items():
            if sum(counter.values()) >= context_min_count:
                by_word[word][side].append((neighbour, counter))
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"#polyvox-lexicon 3 prior_weight={prior_weight} full_min_count={full_min_count} "
                f"left_weight={left_weight} right_weight={right_weight} "
                f"context_smoothing={context_smoothing} context_min_count={context_min_count} "
                f"network_margin_full={network_margin_full} "
                f"network_margin_rare={network_margin_rare} stem_backoff={stem_backoff}\n")
        for word in sorted(seen):
            patterns = ordered(seen[word])
            items = " ".join("".join("%x" % c for c in p) + f":{c}" for p, c in patterns)
            f.write(f"{word}\t{items}")
            if len(patterns) > 1 and sum(seen[word].values()) >= full_min_count:
                index = {p: k for k, (p, _) in enumerate(patterns)}
                sides = []
                for contexts in by_word[word]:
                    sides.append(" ".join(
                        neighbour + ":" + ",".join(f"{index[p]}={c}" for p, c in
                                                   sorted(counter.items(), key=lambda pc: index[pc[0]]))
                        for neighbour, counter in sorted(contexts)))
                if any(sides):
                    f.write("\t" + "\t".join(sides))
            f.write("\n")


class Lexicon:
    def __init__(self, path):
        self.words = {}
        self.contexts = {}  # word -> ({previous: {index: count}}, {next: {index: count}})
        with open(path, encoding="utf-8") as f:
            header = f.readline().split()
            assert header[:2] in (["#polyvox-lexicon", "2"], ["#polyvox-lexicon", "3"]), \
                "not a lexicon file"
            fields = dict(item.split("=") for item in header[2:])
            self.prior_weight = float(fields["prior_weight"])
            self.full_min_count = int(fields["full_min_count"])
            self.left_weight = float(fields.get("left_weight", 0))
            self.right_weight = float(fields.get("right_weight", 0))
            self.context_smoothing = float(fields.get("context_smoothing", 1))
            self.network_margin_full = float(fields.get("network_margin_full", math.inf))
            self.network_margin_rare = float(fields.get("network_margin_rare", math.inf))
            self.stem_backoff = int(fields.get("stem_backoff", 0))
            for line in f:
                word, rest, *sides = line.rstrip("\n").split("\t")
                self.words[word] = [(tuple(int(ch, 16) for ch in p), int(c))
                                    for p, c in (item.split(":") for item in rest.split(" "))]
                if sides:
                    self.contexts[word] = tuple(
                        {n: {int(k): int(c) for k, c in (kc.split("=") for kc in counts.split(","))}
                         for n, counts in (item.split(":") for item in side.split(" ") if item)}
                        for side in sides)

    def network_margin(self, word):
        """How far the network's own marks must outscore `word`'s best pattern to stay."""
        total = sum(c for _, c in self.words.get(word, []))
        return self.network_margin_full if total >= self.full_min_count \
            else self.network_margin_rare

    def count(self, word):
        """Times `word` was seen (0: never)."""
        return sum(c for _, c in self.words.get(word, []))

    def stem_candidates(self, word):
        """(offset, stem, stem count, [(classes, prior)]) of a word seen fewer than
        full_min_count times: the patterns, merged, of the inner letters of its best known stem
        (see the top of this file), those letters starting at word[offset]; None when stems are
        off, the word is frequent or no split has a known stem with inner letters."""
        if not self.stem_backoff or self.count(word) >= self.full_min_count:
            return None
        best, best_key = None, None
        for prefix, form in arabic.stem_splits(word):
            key = (len(form), self.count(form))
            if key[1] > 0 and (best_key is None or key > best_key):
                best, best_key = (prefix, form), key
        if best is None:
            return None
        prefix, stem = best
        skip = 1 if prefix.endswith(_AL) or prefix.endswith(_LL) else 0
        if len(stem) - 1 - skip < 1:
            return None
        merged = collections.Counter()
        for p, c in self.words[stem]:
            merged[p[skip:-1]] += c
        return (len(prefix) + skip, stem, best_key[1], [(p, 0.0) for p, _ in ordered(merged)])

    def candidates(self, word, prev=None, nxt=None):
        """(patterns [(classes, prior)]) to choose from for `word`: whole patterns when seen
        full_min_count times or more, else patterns of its letters but the last (words of two
        letters or more); None when there is nothing to choose from. `prev` / `nxt`: the
        neighbouring words (LINE_START / LINE_END at the line's ends; None: no context). The
        prior of each pattern is the weighted sum described at the top of this file."""
        patterns = self.words.get(word)
        if not patterns:
            return None
        total = sum(c for _, c in patterns)
        if total < self.full_min_count:
            if len(word) < 2:
                return None
            merged = collections.Counter()
            for p, c in patterns:
                merged[p[:-1]] += c
            return [(p, self.prior_weight * math.log(c / total)) for p, c in ordered(merged)]
        left, right = self.contexts.get(word, ({}, {}))
        found = [(self.left_weight, left.get(prev)), (self.right_weight, right.get(nxt))]
        out = []
        for k, (p, c) in enumerate(patterns):
            share = c / total
            prior = self.prior_weight * math.log(share)
            for weight, counts in found:
                if counts:
                    prior += weight * math.log((counts.get(k, 0) + self.context_smoothing * share)
                                               / (sum(counts.values()) + self.context_smoothing))
            out.append((p, prior))
        return out


def main():
    args = sys.argv[1:]
    options = {"--lines": 0, "--prior-weight": DEFAULT_PRIOR_WEIGHT,
               "--full-min-count": DEFAULT_FULL_MIN_COUNT, "--left-weight": DEFAULT_LEFT_WEIGHT,
               "--right-weight": DEFAULT_RIGHT_WEIGHT,
               "--context-smoothing": DEFAULT_CONTEXT_SMOOTHING,
               "--context-min-count": DEFAULT_CONTEXT_MIN_COUNT,
               "--network-margin-full": DEFAULT_NETWORK_MARGIN_FULL,
               "--network-margin-rare": DEFAULT_NETWORK_MARGIN_RARE,
               "--stem-backoff": DEFAULT_STEM_BACKOFF}
    for name in list(options):
        if name in args:
            i = args.index(name)
            options[name] = type(options[name])(args[i + 1])
            del args[i:i + 2]
    with open(args[0], encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    limit = options["--lines"]
    tables = build(lines[:limit] if limit else lines)
    write(tables, args[1], options["--prior-weight"], options["--full-min-count"],
          options["--left-weight"], options["--right-weight"], options["--context-smoothing"],
          options["--context-min-count"], options["--network-margin-full"],
          options["--network-margin-rare"], options["--stem-backoff"])
    seen = tables[0]
    print(f"{len(seen)} words, {sum(len(c) for c in seen.values())} patterns -> {args[1]}")


if __name__ == "__main__":
    main()
