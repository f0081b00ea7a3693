"""Reference diacritizer in Python over an exported weights file: the behaviour the C++
EmbeddedDiacritizer must reproduce (the smoke test compares the two).

Usage: /usr/bin/python3 predict.py WEIGHTS < lines > diacritized_lines
(uses the lexicon beside WEIGHTS, same name with .lexicon, when there is one)
"""
import os
import sys

import torch

import arabic
import lexicon as lexicon_module
import model


def encode(bases, marks, vocab):
    ids = [vocab.get(cp, arabic.OTHER_ID) for cp in bases]
    hints = [arabic.class_of(m) + 1 if m and arabic.is_letter(cp) else 0
             for cp, m in zip(bases, marks)]
    return ids, hints


def choose_marks(bases, marks, logits, lexicon=None):
    """Marks to append after each base character. Each letter takes the best-scored class among
    those its given marks allow (the first on ties). Then each word the lexicon knows takes,
    among its candidate patterns (lexicon.Lexicon.candidates, given the words before and after
    it in the line) that its letters allow, the one with the best sum of log-probabilities plus
    prior (the first on ties), unless the letters' own best classes score more than the
    lexicon's network margin above it (lexicon.Lexicon.network_margin). Then each word seen
    fewer than full_min_count times whose stem the lexicon knows (lexicon.Lexicon.
    stem_candidates) gives the stem's inner letters the best allowed merged pattern of the stem
    the same way, unless the classes those letters have by then score more than the lexicon's
    network_margin_rare above it."""
    added = [()] * len(bases)
    if logits is None:
        return added
    options = [None] * len(bases)
    own = [None] * len(bases)  # each letter's class: its best, then the lexicon's
    for i, (cp, given) in enumerate(zip(bases, marks)):
        if not arabic.is_letter(cp):
            continue
        options[i] = dict(arabic.allowed_classes(given))
        best_score = None
        for cls, extra in arabic.allowed_classes(given):
            score = float(logits[i, cls])
            if best_score is None or score > best_score:
                added[i], own[i], best_score = extra, cls, score
    if not lexicon:
        return added
    log_probs = torch.log_softmax(logits.double(), dim=-1)
    runs = arabic.word_runs(bases)
    words = ["".join(chr(cp) for cp in bases[i:end]) for i, end in runs]
    for k, (i, end) in enumerate(runs):
        prev, nxt = lexicon_module.neighbours(words, k)
        found = lexicon.candidates(words[k], prev, nxt)
        if found:
            _apply_best(found, i, log_probs, options, own, added, lexicon.network_margin(words[k]))
        stem = lexicon.stem_candidates(words[k])
        if stem:
            offset, _, _, patterns = stem
            _apply_best(patterns, i + offset, log_probs, options, own, added,
                        lexicon.network_margin_rare)
    return added


def _apply_best(patterns, i, log_probs, options, chosen, added, margin):
    """Gives the letters from i on the best allowed of `patterns` ([(classes, prior)], by sum of
    log-probabilities plus prior, the first on ties) unless their `chosen` classes score more
    than `margin` above it; updates `chosen` and `added`. True when it did."""
    best, best_score = None, None
    for pattern, prior in patterns:
        if not all(c in options[i + j] for j, c in enumerate(pattern)):
            continue
        score = 0.0
        for j, c in enumerate(pattern):
            score += float(log_probs[i + j, c])
        score += prior
        if best_score is None or score > best_score:
            best, best_score = pattern, score
    if best is None:
        return False
    own_score = sum(float(log_probs[i + j, chosen[i + j]]) for j in range(len(best)))
    if own_score - margin > best_score:
        return False
    for j, c in enumerate(best):
        added[i + j] = options[i + j][c]
        chosen[i + j] = c
    return True


def decode(texts, leading, added):
    """Rebuilds the line: every input character in place (texts: each base character as written
    with its marks, then its tatweels: arabic.parse_line_folded), `added` marks between."""
    out = [chr(cp) for cp in leading]
    for (text, tail), extra in zip(texts, added):
        out.append(text)
        out.extend(chr(m) for m in extra)
        out.append(tail)
    return "".join(out)


def line_logits(net, vocab, bases, marks, max_segment_chars, word_index=None):
    """Class scores of each base character (segments run separately); None without letters.
    `word_index` (model.load's header["word_index"]): the word ids of a model with word
    embeddings, computed over the whole line."""
    if not any(arabic.is_letter(cp) for cp in bases):
        return None
    ids, hints = encode(bases, marks, vocab)
    words = arabic.word_ids(bases, word_index or {})
    logits = torch.zeros((len(ids), arabic.NUM_CLASSES))
    for start, end in arabic.segment_bounds(bases, max_segment_chars):
        if any(arabic.is_letter(cp) for cp in bases[start:end]):
            logits[start:end] = net(torch.tensor([ids[start:end]]),
                                    torch.tensor([hints[start:end]]),
                                    torch.tensor([end - start]),
                                    torch.tensor([words[start:end]]))[0]
    return logits


@torch.no_grad()
def diacritize_lines(net, vocab, lines, max_segment_chars=0, lexicon=None, word_index=None):
    result = []
    for line in lines:
        bases, marks, leading, texts = arabic.parse_line_folded(line)
        logits = line_logits(net, vocab, bases, marks, max_segment_chars, word_index)
        if logits is None:
            result.append(line)
            continue
        added = choose_marks(bases, marks, logits, lexicon)
        result.append(decode(texts, leading, added))
    return result


def main():
    torch.set_num_threads(1)
    net, vocab, header = model.load(sys.argv[1])
    lexicon_path = os.path.splitext(sys.argv[1])[0] + ".lexicon"
    lex = lexicon_module.Lexicon(lexicon_path) if os.path.exists(lexicon_path) else None
    lines = sys.stdin.read().split("\n")
    trailing_newline = lines and lines[-1] == ""
    if trailing_newline:
        lines.pop()
    out = diacritize_lines(net, vocab, lines, header.get("max_segment_chars", 0), lex,
                           header["word_index"])
    sys.stdout.write("\n".join(out) + ("\n" if trailing_newline else ""))


if __name__ == "__main__":
    main()
