"""Reference diacritizer in Python over an exported weights file: the behaviour the C++
EmbeddedDiacritizer must reproduce (the smoke test compares the two).

Usage: /usr/bin/python3 predict.py WEIGHTS < lines > diacritized_lines
"""
import sys

import torch

import arabic
import model


def encode(bases, marks, vocab):
    ids = [vocab.get(cp, arabic.OTHER_ID) for cp in bases]
    hints = [arabic.class_of(m) + 1 if m and arabic.is_letter(cp) else 0
             for cp, m in zip(bases, marks)]
    return ids, hints


def decode(bases, marks, leading, logits):
    """Rebuilds the line: every input character in place, chosen marks appended after the
    marks a letter already had. `logits`: (len(bases), classes) tensor or None."""
    out = [chr(cp) for cp in leading]
    for i, (cp, given) in enumerate(zip(bases, marks)):
        out.append(chr(cp))
        out.extend(chr(m) for m in given)
        if logits is not None and arabic.is_letter(cp):
            best, best_score = (), None
            for cls, added in arabic.allowed_classes(given):
                score = float(logits[i, cls])
                if best_score is None or score > best_score:
                    best, best_score = added, score
            out.extend(chr(m) for m in best)
    return "".join(out)


@torch.no_grad()
def diacritize_lines(net, vocab, lines, max_segment_chars=0):
    result = []
    for line in lines:
        bases, marks, leading = arabic.parse_line(line)
        if not any(arabic.is_letter(cp) for cp in bases):
            result.append(line)
            continue
        ids, hints = encode(bases, marks, vocab)
        logits = torch.zeros((len(ids), arabic.NUM_CLASSES))
        for start, end in arabic.segment_bounds(bases, max_segment_chars):
            if any(arabic.is_letter(cp) for cp in bases[start:end]):
                logits[start:end] = net(torch.tensor([ids[start:end]]),
                                        torch.tensor([hints[start:end]]),
                                        torch.tensor([end - start]))[0]
        result.append(decode(bases, marks, leading, logits))
    return result


def main():
    torch.set_num_threads(1)
    net, vocab, header = model.load(sys.argv[1])
    lines = sys.stdin.read().split("\n")
    trailing_newline = lines and lines[-1] == ""
    if trailing_newline:
        lines.pop()
    out = diacritize_lines(net, vocab, lines, header.get("max_segment_chars", 0))
    sys.stdout.write("\n".join(out) + ("\n" if trailing_newline else ""))


if __name__ == "__main__":
    main()
