"""Averages the weights of exported models of one architecture and word list (e.g. successive
runs, each started from the one before: they stay in one basin, where the average of their
weights reads better than most of them). Writes a weights file like train.py's, with inference
segments of model.SEGMENT_CHARS characters and the first model's training record.

Usage: /usr/bin/python3 average.py OUTPUT.bin MODEL.bin MODEL.bin [MODEL.bin...]
"""
import sys

import model


def average(paths):
    """(net, vocab, header) of the first model, its weights replaced by the mean of all."""
    loaded = [model.load(path) for path in paths]
    net, vocab, header = loaded[0]
    for path, (other, _, other_header) in zip(paths[1:], loaded[1:]):
        if other.config != net.config or other_header.get("words") != header.get("words") \
                or other_header.get("word_stems") != header.get("word_stems"):
            raise ValueError(f"{path}: not the architecture and word list of {paths[0]}")
    states = [other.state_dict() for other, _, _ in loaded]
    share = 1.0 / len(states)
    net.load_state_dict({key: sum(share * state[key] for state in states) for key in states[0]})
    return net, vocab, header


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    try:
        net, vocab, header = average(sys.argv[2:])
    except ValueError as e:
        sys.exit(f"average.py: {e}")
    info = dict(header.get("training", {}))
    info["averaged"] = sys.argv[2:]
    words = header["words"].split(" ") if header.get("words") else None
    model.export(net, vocab, sys.argv[1], info, words=words,
                 word_stems=bool(header.get("word_stems")))
    print(f"averaged {len(sys.argv) - 2} models -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
