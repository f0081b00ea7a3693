"""How the diacritizer marks words the lexicon never saw (foreign names above all), measured on
dumped log-probabilities (dump_logprobs.py) of a gold file, and what a confidence threshold
would change: a letter of such a word whose best class has probability below T gets no mark.

Prints, for the letters of unseen words: how many the gold leaves bare and how many the output
leaves bare ("more marks than the data supports" = the output marks letters the gold leaves
bare), marks added where the gold has none, DER on them; then, for each threshold, the DER of
those letters and of the whole file (every letter counted, with case ending).

Usage: unseen_words.py LOGPROBS.pkl LEXICON [T1,T2,...]
       unseen_words.py GOLD.txt PREDICTED.txt LEXICON   (the statistics of an output, e.g. of
       `polyvox diacritize`, without thresholds)
Decodes like predict.choose_marks (no given marks). Tune T on the dev split (with a lexicon
built without the dev lines, so that its unseen words are really unseen); val.txt only checks.
"""
import os
import pickle
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arabic  # noqa: E402
import lexicon  # noqa: E402
import predict  # noqa: E402


def text_mode(gold_path, predicted_path, lexicon_path):
    """Letters of unseen words in a predicted file against its gold (same letters, line by
    line): gold bare, output bare, marked where the gold is bare, wrong."""
    lex = lexicon.Lexicon(lexicon_path)
    counts = {"words": 0, "letters": 0, "gold_bare": 0, "out_bare": 0, "invented": 0, "wrong": 0}
    with open(gold_path, encoding="utf-8") as g, open(predicted_path, encoding="utf-8") as p:
        for gold_line, out_line in zip(g, p):
            gb, gm, _ = arabic.parse_line(gold_line.rstrip("\n"))
            ob, om, _ = arabic.parse_line(out_line.rstrip("\n"))
            assert gb == ob, "the predicted file's letters differ from the gold's"
            for start, end in arabic.word_runs(gb):
                if "".join(chr(cp) for cp in gb[start:end]) in lex.words:
                    continue
                counts["words"] += 1
                for i in range(start, end):
                    gold, out = arabic.class_of(gm[i]), arabic.class_of(om[i])
                    counts["letters"] += 1
                    counts["gold_bare"] += gold == 0
                    counts["out_bare"] += out == 0
                    counts["invented"] += gold == 0 and out != 0
                    counts["wrong"] += gold != out
    n = max(counts["letters"], 1)
    print(f"unseen words {counts['words']}, their letters {counts['letters']}: gold bare "
          f"{100 * counts['gold_bare'] / n:.2f}%, output bare {100 * counts['out_bare'] / n:.2f}%,"
          f" marked where the gold is bare {100 * counts['invented'] / n:.2f}%, wrong "
          f"{100 * counts['wrong'] / n:.2f}%")


def main():
    if not sys.argv[1].endswith(".pkl"):
        text_mode(*sys.argv[1:4])
        return
    with open(sys.argv[1], "rb") as f:
        data = pickle.load(f)
    lex = lexicon.Lexicon(sys.argv[2])
    thresholds = [float(t) for t in sys.argv[3].split(",")] if len(sys.argv) > 3 else [
        0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    stats = {"letters": 0, "gold_bare": 0, "out_bare": 0, "invented": 0, "wrong": 0,
             "words": 0, "all_letters": 0, "all_wrong": 0}
    abstain_wrong = {t: 0 for t in thresholds}  # errors on unseen-word letters at threshold t
    for bases, marks, logprobs in data:
        if logprobs is None:
            continue
        lp = torch.from_numpy(logprobs)
        added = predict.choose_marks(bases, [[] for _ in bases], lp, lex)
        for start, end in arabic.word_runs(bases):
            word = "".join(chr(cp) for cp in bases[start:end])
            unseen = word not in lex.words
            stats["words"] += unseen
            for i in range(start, end):
                gold = arabic.class_of(marks[i])
                out = arabic.class_of(list(added[i]))
                stats["all_letters"] += 1
                stats["all_wrong"] += gold != out
                if not unseen:
                    continue
                stats["letters"] += 1
                stats["gold_bare"] += gold == 0
                stats["out_bare"] += out == 0
                stats["invented"] += gold == 0 and out != 0
                stats["wrong"] += gold != out
                confidence = float(lp[i].exp().max())
                for t in thresholds:
                    abstained = 0 if confidence < t else out
                    abstain_wrong[t] += gold != abstained
    n = max(stats["letters"], 1)
    print(f"unseen words {stats['words']}, their letters {stats['letters']} "
          f"({100 * stats['letters'] / max(stats['all_letters'], 1):.2f}% of all letters)")
    print(f"  gold bare {100 * stats['gold_bare'] / n:.2f}%, output bare "
          f"{100 * stats['out_bare'] / n:.2f}%, marked where the gold is bare "
          f"{100 * stats['invented'] / n:.2f}%, wrong {100 * stats['wrong'] / n:.2f}%")
    base = stats["all_wrong"] - stats["wrong"]
    for t in thresholds:
        print(f"  threshold {t:.2f}: unseen-word letters wrong {100 * abstain_wrong[t] / n:.2f}%, "
              f"DER (all letters, with case ending) "
              f"{100 * (base + abstain_wrong[t]) / max(stats['all_letters'], 1):.3f}%")


if __name__ == "__main__":
    main()
