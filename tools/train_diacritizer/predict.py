"""Reference diacritizer in Python over an exported weights file: the behaviour the C++
EmbeddedDiacritizer must reproduce (the smoke test compares the two).

Usage: /usr/bin/python3 predict.py WEIGHTS < lines > diacritized_lines
(uses the lexicon beside WEIGHTS, same name with .lexicon, when there is one)
"""
import math
import os
import sys

import torch

import arabic
import lexicon
import model


def encode(bases, marks, vocab):
    ids = [vocab.get(cp, arabic.OTHER_ID) for cp in bases]
    hints = [arabic.class_of(m) + 1 if m and arabic.is_letter(cp) else 0
             for cp, m in zip(bases, marks)]
    return ids, hints


def choose_marks(bases, marks, logits, lexicon=None):
    """Marks to append after each base character. Each letter takes the best-scored class among
    those its given marks allow (the first on ties). Then each word the lexicon knows takes,
    among its candidate patterns (lexicon.Lexicon.candidates) that its letters allow, the one
    with the best sum of log-probabilities plus prior_weight * log(pattern count / word count)
    (the first on ties)."""
    added = [()] * len(bases)
    if logits is None:
        return added
    options = [None] * len(bases)
    for i, (cp, given) in enumerate(zip(bases, marks)):
        if not arabic.is_letter(cp):
            continue
        options[i] = dict(arabic.allowed_classes(given))
        best_score = None
        for cls, extra in arabic.allowed_classes(given):
            score = float(logits[i, cls])
            if best_score is None or score > best_score:
                added[i], best_score = extra, score
    if not lexicon:
        return added
    log_probs = torch.log_softmax(logits.double(), dim=-1)
    i = 0
    while i < len(bases):
        if options[i] is None:
            i += 1
            continue
        end = i
        while end < len(bases) and options[end] is not None:
            end += 1
        found = lexicon.candidates("".join(chr(cp) for cp in bases[i:end]))
        if found:
            patterns, total = found
            best, best_score = None, None
            for pattern, count in patterns:
                if not all(c in options[i + j] for j, c in enumerate(pattern)):
                    continue
                score = 0.0
                for j, c in enumerate(pattern):
                    score += float(log_probs[i + j, c])
                score += lexicon.prior_weight * math.log(count / total)
                if best_score is None or score > best_score:
                    best, best_score = pattern, score
            if best is not None:
                for j, c in enumerate(best):
                    added[i + j] = options[i + j][c]
        i = end
    return added


def decode(bases, marks, leading, added):
    """Rebuilds the line: every input character in place, `added` marks after each base
    character's given marks."""
    out = [chr(cp) for cp in leading]
    for cp, given, extra in zip(bases, marks, added):
        out.append(chr(cp))
        out.extend(chr(m) for m in given)
        out.extend(chr(m) for m in extra)
    return "".join(out)


def line_logits(net, vocab, bases, marks, max_segment_chars):
    """Class scores of each base character (segments run separately); None without letters."""
    if not any(arabic.is_letter(cp) for cp in bases):
        return None
    ids, hints = encode(bases, marks, vocab)
    logits = torch.zeros((len(ids), arabic.NUM_CLASSES))
    for start, end in arabic.segment_bounds(bases, max_segment_chars):
        if any(arabic.is_letter(cp) for cp in bases[start:end]):
            logits[start:end] = net(torch.tensor([ids[start:end]]),
                                    torch.tensor([hints[start:end]]),
                                    torch.tensor([end - start]))[0]
    return logits


@torch.no_grad()
def diacritize_lines(net, vocab, lines, max_segment_chars=0, lexicon=None):
    result = []
    for line in lines:
        bases, marks, leading = arabic.parse_line(line)
        logits = line_logits(net, vocab, bases, marks, max_segment_chars)
        if logits is None:
            result.append(line)
            continue
        added = choose_marks(bases, marks, logits, lexicon)
        result.append(decode(bases, marks, leading, added))
    return result


def main():
    torch.set_num_threads(1)
    net, vocab, header = model.load(sys.argv[1])
    lexicon_path = os.path.splitext(sys.argv[1])[0] + ".lexicon"
    lex = lexicon.Lexicon(lexicon_path) if os.path.exists(lexicon_path) else None
    lines = sys.stdin.read().split("\n")
    trailing_newline = lines and lines[-1] == ""
    if trailing_newline:
        lines.pop()
    out = diacritize_lines(net, vocab, lines, header.get("max_segment_chars", 0), lex)
    sys.stdout.write("\n".join(out) + ("\n" if trailing_newline else ""))


if __name__ == "__main__":
    main()
