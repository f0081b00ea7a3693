"""Widens an exported model without changing what it computes: its character LSTM layers
(--hidden units per direction), the word-context LSTM (--word-context), the word-feed LSTM
(--word-feed) and the head's hidden layer (--head-hidden). The old units keep their weights; the
new ones start with fresh random weights, and every weight reading a new unit (recurrent
matrices of the old units, the next character layer's and the word LSTMs' input matrices, out,
mix_char, mix_word, feed, out2) starts at zero, so the widened model gives the same scores as
the old one until training moves them. A warm start for a larger network (train.py
--init-from).

Usage: /usr/bin/python3 widen.py OLD.bin NEW.bin [--hidden N] [--word-context N]
       [--word-feed N] [--head-hidden N] [--seed S]
"""
import argparse
import sys

import torch

import arabic
import model


def pair_columns(old_units, new_units):
    """Where each column of a matrix reading [forward H, backward H] goes in one reading
    [forward H', backward H'] (old_units H, new_units H')."""
    return torch.cat([torch.arange(old_units), new_units + torch.arange(old_units)])


def widen_lstm(old, new, inputs=None):
    """Copies LSTM `old` (H units) into the first H units of each gate of `new` (H' >= H). Input
    column j of `old` becomes column inputs[j] of `new` (default: the same input size, same
    columns). Every weight of an old unit reading a new input or a new unit is zero; the new
    units keep `new`'s random initialization."""
    h, h2 = old.hidden_size, new.hidden_size
    if inputs is None:
        inputs = torch.arange(old.input_size)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            src, dst = getattr(old, name), getattr(new, name)
            for g in range(4):
                rows_old, rows_new = slice(g * h, (g + 1) * h), slice(g * h2, g * h2 + h)
                if name == "weight_hh_l0":
                    dst[rows_new, :h] = src[rows_old]
                    dst[rows_new, h:] = 0.0
                elif name == "weight_ih_l0":
                    dst[rows_new] = 0.0
                    dst[rows_new, inputs] = src[rows_old]
                else:
                    dst[rows_new] = src[rows_old]


def widen_columns(old_w, new_w, old_units, new_units):
    """Copies a matrix reading [forward H, backward H] into one reading [forward H', backward
    H'] (the old rows first); columns of the new units are zero."""
    rows = old_w.shape[0]
    with torch.no_grad():
        new_w[:rows].zero_()
        new_w[:rows, pair_columns(old_units, new_units)] = old_w


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--word-context", type=int, default=0)
    p.add_argument("--word-feed", type=int, default=0)
    p.add_argument("--head-hidden", type=int, default=0)
    p.add_argument("--hidden", type=int, default=0,
                   help="units per direction of the character LSTM layers")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    old, vocab, header = model.load(args.old)
    cfg = dict(old.config)
    c, f, k, h = cfg["word_context"], cfg["word_feed"], cfg["head_hidden"], cfg["hidden"]
    c2, f2, k2 = args.word_context or c, args.word_feed or f, args.head_hidden or k
    h2 = args.hidden or h
    if (args.word_context or args.head_hidden) and not c:
        p.error(f"{args.old} has no word context to widen")
    if args.word_feed and not f:
        p.error(f"{args.old} has no word feed to widen")
    if c2 < c or f2 < f or k2 < k or h2 < h:
        p.error(f"sizes can only grow: word context {c}, word feed {f}, head {k}, "
                f"character layers {h} now")
    new = model.DiacritizerNet(cfg["vocab_size"], cfg["embedding"], h2, cfg["layers"], 0.0,
                               cfg["word_vocab_size"], c2, k2, f2)
    own = new.state_dict()
    same = {key: v for key, v in old.state_dict().items() if own[key].shape == v.shape}
    new.load_state_dict(same, strict=False)
    chars = pair_columns(h, h2)  # where a column reading a character layer's output goes
    for layer in range(cfg["layers"]):
        inputs = None if layer == 0 else chars
        widen_lstm(old.fw[layer], new.fw[layer], inputs)
        widen_lstm(old.bw[layer], new.bw[layer], inputs)
    word_lstms = ([(old.wfw, new.wfw), (old.wbw, new.wbw)] if c else []) + \
        ([(old.ffw, new.ffw), (old.fbw, new.fbw)] if f else [])
    for a, b in word_lstms:
        widen_lstm(a, b, chars)
    with torch.no_grad():
        widen_columns(old.out.weight, new.out.weight, h, h2)
        new.out.bias.copy_(old.out.bias)
        if c:
            widen_columns(old.mix_char.weight, new.mix_char.weight, h, h2)
            new.mix_char.bias[:k] = old.mix_char.bias
            widen_columns(old.mix_word.weight, new.mix_word.weight, c, c2)
            new.out2.weight.zero_()
            new.out2.weight[:, :k] = old.out2.weight
            new.out2.bias.copy_(old.out2.bias)
        if f:
            new.feed.weight.zero_()
            new.feed.weight[chars.unsqueeze(1), pair_columns(f, f2).unsqueeze(0)] = old.feed.weight
    new.eval()
    # The same scores on a line of every kind of character, before export.
    line = "قال الرجل: ذهبت إلى المدرسة في 2024، وكتب الدرس hello."
    bases = [ord(ch) for ch in line]
    ids = torch.tensor([[vocab.get(cp, arabic.OTHER_ID) for cp in bases]])
    words = (torch.tensor([arabic.word_ids(bases, header["word_index"])])
             if header.get("words") else None)
    with torch.no_grad():
        a = old(ids, torch.zeros_like(ids), torch.tensor([len(bases)]), words)
        b = new(ids, torch.zeros_like(ids), torch.tensor([len(bases)]), words)
    diff = float((a - b).abs().max())
    if diff >= 1e-4:
        sys.exit(f"widen.py: the widened model's scores differ by {diff}; nothing written")
    words_list = header["words"].split(" ") if header.get("words") else None
    info = dict(header.get("training", {}))
    info["widened_from"] = {"word_context": c, "word_feed": f, "head_hidden": k, "hidden": h}
    model.export(new, vocab, args.new, info, max_segment_chars=header["max_segment_chars"],
                 words=words_list, word_stems=bool(header.get("word_stems")))
    print(f"widened {args.old} -> {args.new}: word context {c}->{c2}, word feed {f}->{f2}, "
          f"head {k}->{k2}, character layers {h}->{h2}; max score difference {diff:.2e}")


if __name__ == "__main__":
    main()
