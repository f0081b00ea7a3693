"""DER/WER of dumped log-probabilities (dump_logprobs.py) decoded with a lexicon file ('-': none),
on all, the even or the odd lines: how the lexicon's weights were chosen (even) and checked (odd).
Usage: eval_lexicon.py LOGPROBS.pkl LEXICON [all|even|odd]"""
import os
import pickle
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arabic  # noqa: E402
import lexicon  # noqa: E402
import predict  # noqa: E402


def main():
    with open(sys.argv[1], "rb") as f:
        data = pickle.load(f)
    lex = lexicon.Lexicon(sys.argv[2]) if sys.argv[2] != "-" else None
    which = sys.argv[3] if len(sys.argv) > 3 else "all"
    errors = {"no": 0, "ce": 0}
    letters = {"no": 0, "ce": 0}
    wrong_words = words = 0
    for number, (bases, marks, logprobs) in enumerate(data):
        if (which == "even" and number % 2) or (which == "odd" and not number % 2):
            continue
        if logprobs is None:
            continue
        added = predict.choose_marks(bases, [[] for _ in bases], torch.from_numpy(logprobs), lex)
        for start, end in arabic.word_runs(bases):
            wrong = [arabic.class_of(marks[i]) != arabic.class_of(list(added[i]))
                     for i in range(start, end)]
            errors["no"] += sum(wrong[:-1])
            letters["no"] += len(wrong) - 1
            errors["ce"] += sum(wrong)
            letters["ce"] += len(wrong)
            words += 1
            wrong_words += any(wrong)
    print(f"DER no-CE {100 * errors['no'] / letters['no']:.3f} "
          f"CE {100 * errors['ce'] / letters['ce']:.3f} WER-CE {100 * wrong_words / words:.2f}")


if __name__ == "__main__":
    main()
