"""Dumps a model's per-letter log-probabilities over a gold file, for tuning the lexicon's
weights without running the network again (eval_lexicon.py).
Usage: dump_logprobs.py MODEL.bin OUT.pkl [GOLD]
GOLD is the diacritized validation text (val.txt); without it, val.txt of the workplace's data
directory, found relative to the working directory (the path below)."""
import os
import pickle
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arabic  # noqa: E402
import model  # noqa: E402
import predict  # noqa: E402


def main():
    torch.set_num_threads(1)
    net, vocab, header = model.load(sys.argv[1])
    default_gold = os.path.join("..", "shared", "data", "arabic", "val.txt")
    gold_path = sys.argv[3] if len(sys.argv) > 3 else default_gold
    with open(gold_path, encoding="utf-8") as f:
        gold = f.read().splitlines()
    out = []
    with torch.no_grad():
        for line in gold:
            bases, marks, _ = arabic.parse_line(line)
            logits = predict.line_logits(net, vocab, bases, [[] for _ in bases],
                                         header.get("max_segment_chars", 0),
                                         header.get("word_index"))
            out.append((bases, marks, None if logits is None
                        else torch.log_softmax(logits.double(), -1).numpy()))
    with open(sys.argv[2], "wb") as f:
        pickle.dump(out, f)


if __name__ == "__main__":
    main()
