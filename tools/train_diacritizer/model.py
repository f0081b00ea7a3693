"""The diacritizer network and its weights file (the format src/text/ reads).

Network: character embedding + hint embedding (the class of marks already given, 0 = none)
[+ word embedding of the word the character belongs to, when the model has a word vocabulary]
-> stacked bidirectional LSTM -> linear layer to the 15 mark classes of each character.

Word context (a model with a word vocabulary and word_context > 0): each word (run of letters,
arabic.word_runs) of a segment is summarized by the last character LSTM layer's forward output
at its last letter and backward output at its first letter; a bidirectional word-level LSTM
(word_context per direction) reads these summaries, so each word sees its neighbours as words.
A residual head adds to the linear layer's scores: out2(relu(mix_char(char output) +
mix_word(word LSTM output of the character's word))) (non-letters get no word output). out2
starts at zero, so a model warm-started from one without word context starts as it was.

Word feed (word_feed > 0, with word context and at least 2 layers): a second word-level
BiLSTM (word_feed per direction) reads the same per-word summaries of the FIRST character
layer's output, and feed(its output for the character's word) (a linear map without bias, 0 for
non-letters) is added to the input of the second character layer, so the last character layer
(and through it the head) reads each letter together with its neighbouring words. feed starts
at zero: a model warm-started from one without it starts as it was.

Residual layers (residual_layers > 0, train.py --residual-layers): after the stacked character
layers, x = x + res_k(BiLSTM_k(x)) for each k, res_k a linear map without bias that starts at
zero (a model warm-started from one without them starts as it was); the word context and the
head read the result (src/text/bilstm_model.cpp runs them too).

Weights file (little-endian): b"PVXD", u32 version, u32 header length, header JSON (UTF-8),
zero padding to a multiple of 4 bytes, then float32 tensors at the offsets (in floats, from the
start of the tensor area) that the header lists. LSTM gate order is torch's: i, f, g, o; each
layer has one bias (b_ih + b_hh). A model with word embeddings lists its words in the header
("words": the words separated by single spaces; the word at position k has id
arabic.FIRST_WORD_ID + k) and has a tensor "word_emb" (ids 0 = not a letter, 1 = unknown word);
with "word_stems": 1, a word not in the list takes its stem's id when the list has one
(arabic.WordIndex: clitics of arabic.stem_splits, the longest stem, then the lowest id).
With "recurrent_int8": 1 (int8.py), the character layers' recurrent products are computed in
int8 from the stored weights (quantize_columns, _int8_lstm; src/text/int8_recurrence.h).
"""
import io
import json
import os
import struct

import numpy as np
import torch
from torch import nn

import arabic

MAGIC = b"PVXD"
# Longest inference segment written in exported weights (train.py default): 800 reads as well as
# 1,600 on val.txt and the dev split, and costs the C++ kernel less (models/README.md).
SEGMENT_CHARS = 800
VERSION = 1
HINT_CLASSES = arabic.NUM_CLASSES + 1


def reverse_within(x, lengths):
    """x (B, T, F) with each row's first lengths[b] steps in reverse order (padding stays)."""
    steps = torch.arange(x.shape[1]).unsqueeze(0)
    lengths = lengths.unsqueeze(1)
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)
    return x.gather(1, index.unsqueeze(2).expand(-1, -1, x.shape[2]))


class DiacritizerNet(nn.Module):
    """Each layer runs a forward LSTM over the padded batch and a backward one over each row
    reversed within its length, so padding never enters a sequence's states (packed sequences
    are far slower to train on the CPU)."""

    def __init__(self, vocab_size, embedding=64, hidden=128, layers=2, dropout=0.1,
                 word_vocab_size=0, word_context=0, head_hidden=0, word_feed=0,
                 residual_layers=0):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, embedding=embedding, hidden=hidden,
                           layers=layers, dropout=dropout, word_vocab_size=word_vocab_size,
                           word_context=word_context, head_hidden=head_hidden,
                           word_feed=word_feed, residual_layers=residual_layers)
        self.char_emb = nn.Embedding(vocab_size, embedding, padding_idx=arabic.PAD_ID)
        self.hint_emb = nn.Embedding(HINT_CLASSES, embedding)
        self.word_emb = None
        if word_vocab_size:
            self.word_emb = nn.Embedding(word_vocab_size, embedding, padding_idx=arabic.NO_WORD_ID)
        self.dropout = nn.Dropout(dropout)
        sizes = [embedding] + [2 * hidden] * (layers - 1)
        self.fw = nn.ModuleList(nn.LSTM(n, hidden, batch_first=True) for n in sizes)
        self.bw = nn.ModuleList(nn.LSTM(n, hidden, batch_first=True) for n in sizes)
        self.out = nn.Linear(2 * hidden, arabic.NUM_CLASSES)
        self.word_context = word_context
        self.freeze_encoder = False  # training only: the embeddings and LSTMs run without grad
        if word_context:
            assert word_vocab_size and head_hidden, "word context needs word ids and a head"
            self.wfw = nn.LSTM(2 * hidden, word_context, batch_first=True)
            self.wbw = nn.LSTM(2 * hidden, word_context, batch_first=True)
            self.mix_char = nn.Linear(2 * hidden, head_hidden)
            self.mix_word = nn.Linear(2 * word_context, head_hidden, bias=False)
            self.out2 = nn.Linear(head_hidden, arabic.NUM_CLASSES)
            nn.init.zeros_(self.out2.weight)
            nn.init.zeros_(self.out2.bias)
        self.bf16 = False  # training only: LSTMs and linear layers compute in bfloat16 (_lstm)
        # Inference only (a weights file with "recurrent_int8": 1): the character layers'
        # recurrent products in int8 (_int8_lstm), as the C++ kernel computes them.
        self.recurrent_int8 = False
        self.word_feed = word_feed
        if word_feed:
            assert word_context and layers >= 2, "word feed needs word context and 2+ layers"
            self.ffw = nn.LSTM(2 * hidden, word_feed, batch_first=True)
            self.fbw = nn.LSTM(2 * hidden, word_feed, batch_first=True)
            self.feed = nn.Linear(2 * word_feed, 2 * hidden, bias=False)
            nn.init.zeros_(self.feed.weight)
        # Residual character layers (after the stacked ones): x + res(BiLSTM(x)); res starts at
        # zero, so a model warm-started from one without them starts as it was.
        self.rfw = nn.ModuleList(nn.LSTM(2 * hidden, hidden, batch_first=True)
                                 for _ in range(residual_layers))
        self.rbw = nn.ModuleList(nn.LSTM(2 * hidden, hidden, batch_first=True)
                                 for _ in range(residual_layers))
        self.res = nn.ModuleList(nn.Linear(2 * hidden, 2 * hidden, bias=False)
                                 for _ in range(residual_layers))
        for res in self.res:
            nn.init.zeros_(res.weight)

    def word_context_of(self, x, words, wfw=None, wbw=None):
        """(B, T, 2 * units): the word LSTM's (wfw, wbw; default the word-context one) output
        for the word of each letter (0 for other characters). x: a character layer's output;
        words: the word ids (letters are the positions with a word id)."""
        wfw, wbw = wfw or self.wfw, wbw or self.wbw
        hidden = x.shape[2] // 2
        letter = words != arabic.NO_WORD_ID
        before = torch.zeros_like(letter)
        before[:, 1:] = letter[:, :-1]
        after = torch.zeros_like(letter)
        after[:, :-1] = letter[:, 1:]
        starts, ends = letter & ~before, letter & ~after
        slot = torch.cumsum(starts.long(), dim=1) - 1  # the word's index in its row
        count = starts.sum(1)
        most = max(int(count.max()), 1)
        rows, cols = starts.nonzero(as_tuple=True)
        summary_bw = x.new_zeros((x.shape[0], most, hidden)).index_put(
            (rows, slot[rows, cols]), x[rows, cols, hidden:])
        rows, cols = ends.nonzero(as_tuple=True)
        summary_fw = x.new_zeros((x.shape[0], most, hidden)).index_put(
            (rows, slot[rows, cols]), x[rows, cols, :hidden])
        summary = torch.cat([summary_fw, summary_bw], dim=2)
        forward = self._lstm(wfw, summary)
        backward = self._lstm(wbw, reverse_within(summary, count))
        ctx = torch.cat([forward, reverse_within(backward, count)], dim=2)
        index = slot.clamp(min=0).unsqueeze(2).expand(-1, -1, ctx.shape[2])
        return ctx.gather(1, index) * letter.unsqueeze(2).to(ctx.dtype)

    def _lstm(self, lstm, x):
        """The output sequence of a one-layer LSTM over x (B, T, F), float32. With self.bf16 it
        runs on bfloat16 copies of its weights and input (float32 master weights get the
        gradients through the casts; torch.autocast does not reach the LSTM kernels)."""
        if not self.bf16:
            return lstm(x)[0]
        weights = [w.to(torch.bfloat16) for w in lstm._flat_weights]
        h0 = x.new_zeros((1, x.shape[0], lstm.hidden_size), dtype=torch.bfloat16)
        out = torch._VF.lstm(x.to(torch.bfloat16), (h0, h0), weights, True, 1, 0.0,
                             self.training, False, True)
        return out[0].float()

    def _char_lstm(self, lstm, x):
        """A character layer's direction: _lstm, or _int8_lstm with self.recurrent_int8."""
        return _int8_lstm(lstm, x) if self.recurrent_int8 else self._lstm(lstm, x)

    def _char_layer(self, fw, bw, x, lengths):
        """A bidirectional character layer over x (B, T, F): both directions' outputs, (B, T,
        2 * hidden), the backward one run over each row reversed within its length."""
        forward = self._char_lstm(fw, x)
        backward = self._char_lstm(bw, reverse_within(x, lengths))
        return torch.cat([forward, reverse_within(backward, lengths)], dim=2)

    def forward(self, ids, hints, lengths, words=None):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            return self._forward(ids, hints, lengths, words).float()

    def _forward(self, ids, hints, lengths, words=None):
        """ids, hints, words (word id of each character, arabic.word_ids): (B, T) int64;
        lengths: (B,) int64. Returns (B, T, classes); positions past a row's length hold
        meaningless scores."""
        grad = torch.is_grad_enabled()
        with torch.set_grad_enabled(grad and not self.freeze_encoder):
            x = self.char_emb(ids) + self.hint_emb(hints)
            if self.word_emb is not None:
                x = x + self.word_emb(words)
            x = self.dropout(x)
        for layer, (fw, bw) in enumerate(zip(self.fw, self.bw)):
            fed = layer >= 1 and self.word_feed > 0
            if layer == 1 and self.word_feed:
                ctx = self.word_context_of(x, words, self.ffw, self.fbw)
                x = x + self.feed(self.dropout(ctx))
            # Frozen encoder: its layers run without gradients, except those after the word
            # feed, through which the feed learns (their weights stay frozen all the same).
            with torch.set_grad_enabled(grad and (fed or not self.freeze_encoder)):
                x = self.dropout(self._char_layer(fw, bw, x, lengths))
        for fw, bw, res in zip(self.rfw, self.rbw, self.res):
            x = x + res(self.dropout(self._char_layer(fw, bw, x, lengths)))
        if not self.word_context:
            return self.out(x)
        ctx = self.dropout(self.word_context_of(x, words))
        return self.out(x) + self.out2(torch.relu(self.mix_char(x) + self.mix_word(ctx)))


def _lstms(layers, word_context):
    """(state_dict prefix, file prefix) of each LSTM direction, in file order: the character
    layers, then the word-context LSTM (its tensors come after out_w/out_b in the file)."""
    chars = [(f"{d}.{layer}", f"lstm{layer}_{d}") for layer in range(layers) for d in ("fw", "bw")]
    words = [(f"w{d}", f"word_lstm_{d}") for d in ("fw", "bw")] if word_context else []
    return chars, words


def _feed_lstms(word_feed):
    """(state_dict prefix, file prefix) of the word-feed LSTM's directions (after the head's
    tensors in the file, followed by feed_w)."""
    return [(f"f{d}", f"feed_lstm_{d}") for d in ("fw", "bw")] if word_feed else []


def _tensors(net):
    """(name, array) in file order."""
    sd = {k: v.detach().cpu().float().numpy() for k, v in net.state_dict().items()}
    items = [("char_emb", sd["char_emb.weight"]), ("hint_emb", sd["hint_emb.weight"])]
    if "word_emb.weight" in sd:
        items.append(("word_emb", sd["word_emb.weight"]))

    def lstm(key, prefix):
        items.append((f"{prefix}_w_ih", sd[f"{key}.weight_ih_l0"]))
        items.append((f"{prefix}_w_hh", sd[f"{key}.weight_hh_l0"]))
        items.append((f"{prefix}_b", sd[f"{key}.bias_ih_l0"] + sd[f"{key}.bias_hh_l0"]))

    chars, words = _lstms(net.config["layers"], net.config.get("word_context"))
    for key, prefix in chars:
        lstm(key, prefix)
    items.append(("out_w", sd["out.weight"]))
    items.append(("out_b", sd["out.bias"]))
    if words:
        for key, prefix in words:
            lstm(key, prefix)
        items.append(("mix_char_w", sd["mix_char.weight"]))
        items.append(("mix_char_b", sd["mix_char.bias"]))
        items.append(("mix_word_w", sd["mix_word.weight"]))
        items.append(("out2_w", sd["out2.weight"]))
        items.append(("out2_b", sd["out2.bias"]))
    feed = _feed_lstms(net.config.get("word_feed"))
    if feed:
        for key, prefix in feed:
            lstm(key, prefix)
        items.append(("feed_w", sd["feed.weight"]))
    for k in range(net.config.get("residual_layers", 0)):
        for key, prefix in _residual_lstms(k):
            lstm(key, prefix)
        items.append((f"res{k}_w", sd[f"res.{k}.weight"]))
    return items


def _residual_lstms(k):
    """(state_dict prefix, file prefix) of residual layer k's directions."""
    return [(f"r{d}.{k}", f"res{k}_lstm_{d}") for d in ("fw", "bw")]


def quantize_columns(w_t):
    """(q, step) of the recurrent matrix w_t (state x gates, float32): each column c rounded to
    int8 with its own scale, scale_c = max |column| / 127 (in float32), q = w_t / scale_c rounded
    to the nearest integer, ties to even (a column of zeros: q = 0, scale 0; NaN and infinite
    entries read as 0); step_c = scale_c / 127, the weight of one unit of a sum over the state
    rounded to h x 127. The C++ kernel (src/text/int8_recurrence.h) rounds the same float32
    values the same way."""
    w_t = torch.where(torch.isfinite(w_t), w_t, torch.zeros_like(w_t))
    scale = w_t.abs().amax(dim=0) / 127
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.round(w_t / safe).clamp(-127, 127)
    q = torch.where(scale > 0, q, torch.zeros_like(q))
    return q, scale / 127


def _int8_lstm(lstm, x):
    """The output sequence of a one-layer LSTM over x (B, T, F) whose recurrent product is in
    int8: at each step, g = x_t W_ih^T + b + step * (round(h * 127) q) (quantize_columns of
    W_hh^T; round: to the nearest, ties to even), the sum exact in float32 (integers below 2^24
    for a state of up to 1,024 units) and added as one fused multiply-add (computed in float64,
    then rounded), then the usual gates. Hand-stepped: slower than torch's LSTM, for reference
    inference only."""
    w_ih, w_hh, b_ih, b_hh = [w.detach().float() for w in lstm._flat_weights]
    hidden = lstm.hidden_size
    assert hidden <= 1024
    q, step = quantize_columns(w_hh.t().contiguous())
    step = step.double()
    gx = torch.matmul(x.float(), w_ih.t()) + (b_ih + b_hh)
    h = x.new_zeros((x.shape[0], hidden), dtype=torch.float32)
    c = torch.zeros_like(h)
    out = []
    for t in range(x.shape[1]):
        sums = torch.matmul(torch.round(h * 127), q)
        g = (gx[:, t].double() + sums.double() * step).float()
        i, f, cand, o = g.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(cand)
        h = torch.sigmoid(o) * torch.tanh(c)
        out.append(h)
    return torch.stack(out, dim=1)


def to_bf16_values(array):
    """`array` rounded to the nearest bfloat16 values (kept as float32)."""
    return torch.from_numpy(array).to(torch.bfloat16).to(torch.float32).numpy()


def export(net, vocab, path, training_info=None, max_segment_chars=SEGMENT_CHARS,
           recurrent_bf16=True, words=None, word_stems=False):
    """Writes the weights file for `net` with its input `vocab` (code point -> id) and, for a
    model with word embeddings, its `words` (in id order, from arabic.FIRST_WORD_ID); inference
    cuts lines into segments of at most `max_segment_chars` (arabic.segment_bounds; the C++
    reader takes 1 to 10,000: 0, one unbounded segment, is for predict.py only). With
    `recurrent_bf16`, the recurrent matrices are rounded to bfloat16 values, which the C++
    inference streams in half the bytes (same numbers on both sides). `word_stems` (a network
    trained with train.py --word-stems) writes "word_stems": 1: a word not in the list reads
    its stem's embedding (arabic.WordIndex)."""
    tensors, offset, table = _tensors(net), 0, []
    if recurrent_bf16:
        tensors = [(name, to_bf16_values(a) if name.endswith("_w_hh") else a)
                   for name, a in tensors]
    for name, array in tensors:
        table.append({"name": name, "shape": list(array.shape), "offset": offset})
        offset += array.size
    cfg = net.config
    header = {
        "model": "bilstm", "classes": arabic.NUM_CLASSES, "hint_classes": HINT_CLASSES,
        "vocab_size": cfg["vocab_size"], "embedding": cfg["embedding"],
        "hidden": cfg["hidden"], "layers": cfg["layers"],
        "other_id": arabic.OTHER_ID, "max_segment_chars": max_segment_chars,
        "recurrent_bf16": recurrent_bf16,
        "word_context": cfg.get("word_context", 0), "head_hidden": cfg.get("head_hidden", 0),
        "word_feed": cfg.get("word_feed", 0),
        "vocab": sorted([cp, i] for cp, i in vocab.items()),
        "tensors": table, "training": training_info or {},
    }
    if cfg.get("residual_layers"):
        header["residual_layers"] = cfg["residual_layers"]
    if net.word_emb is not None:
        assert words is not None and len(words) + arabic.FIRST_WORD_ID == cfg["word_vocab_size"]
        header["words"] = " ".join(words)
        if word_stems:
            header["word_stems"] = 1
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(_head_bytes(header))
        for _, array in tensors:
            f.write(np.ascontiguousarray(array, dtype="<f4").tobytes())


def _head_bytes(header):
    """What precedes the tensors in a weights file: magic, version, header length, the header
    (JSON) and its padding to a multiple of 4 bytes."""
    raw = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return MAGIC + struct.pack("<II", VERSION, len(raw)) + raw + b"\0" * ((-(12 + len(raw))) % 4)


def _read_header(f):
    """Reads the magic, version and header of an open weights file, up to its tensors."""
    start = f.read(12)
    assert start[:4] == MAGIC, "not a diacritizer weights file"
    version, header_len = struct.unpack("<II", start[4:12])
    assert version == VERSION
    header = json.loads(f.read(header_len).decode("utf-8"))
    f.read((-(12 + header_len)) % 4)
    return header


def read_header(path):
    """The header (JSON) of a weights file."""
    with open(path, "rb") as f:
        return _read_header(f)


def word_index_of(header):
    """The arabic.WordIndex a weights file's header describes: its word list, read through
    stems when the header says "word_stems"."""
    words = header["words"].split(" ") if header.get("words") else []
    return arabic.word_index(words, stems=bool(header.get("word_stems")))


def with_int8_recurrence(data):
    """The bytes of a weights file (`data`) marked "recurrent_int8": 1: the same tensors, read by
    the C++ inference and by loads() with the character layers' recurrent products in int8
    (quantize_columns, _int8_lstm)."""
    with io.BytesIO(data) as f:
        header = _read_header(f)
        tensors = f.read()
    header["recurrent_int8"] = 1
    return _head_bytes(header) + tensors


def header_of(data):
    """read_header() from the bytes of a weights file."""
    with io.BytesIO(data) as f:
        return _read_header(f)


def load(path):
    """Reads a weights file back into (net, vocab, header)."""
    with open(path, "rb") as f:
        return loads(f.read())


def loads(data):
    """load() from the bytes of a weights file."""
    with io.BytesIO(data) as f:
        header = _read_header(f)
        floats = np.frombuffer(f.read(), dtype="<f4")
    words = header["words"].split(" ") if header.get("words") else []
    net = DiacritizerNet(header["vocab_size"], header["embedding"], header["hidden"],
                         header["layers"], 0.0,
                         len(words) + arabic.FIRST_WORD_ID if words else 0,
                         header.get("word_context", 0), header.get("head_hidden", 0),
                         header.get("word_feed", 0), header.get("residual_layers", 0))
    arrays = {t["name"]: floats[t["offset"]:t["offset"] + int(np.prod(t["shape"]))]
              .reshape(t["shape"]) for t in header["tensors"]}
    sd = {"char_emb.weight": arrays["char_emb"], "hint_emb.weight": arrays["hint_emb"],
          "out.weight": arrays["out_w"], "out.bias": arrays["out_b"]}
    if words:
        sd["word_emb.weight"] = arrays["word_emb"]
    chars, word_lstm = _lstms(header["layers"], header.get("word_context"))
    feed = _feed_lstms(header.get("word_feed", 0))
    residual = [kp for k in range(header.get("residual_layers", 0)) for kp in _residual_lstms(k)]
    for k in range(header.get("residual_layers", 0)):
        sd[f"res.{k}.weight"] = arrays[f"res{k}_w"]
    for key, prefix in chars + word_lstm + feed + residual:
        sd[f"{key}.weight_ih_l0"] = arrays[f"{prefix}_w_ih"]
        sd[f"{key}.weight_hh_l0"] = arrays[f"{prefix}_w_hh"]
        sd[f"{key}.bias_ih_l0"] = arrays[f"{prefix}_b"]
        sd[f"{key}.bias_hh_l0"] = np.zeros_like(arrays[f"{prefix}_b"])
    if word_lstm:
        for name in ("mix_char", "out2"):
            sd[f"{name}.weight"] = arrays[f"{name}_w"]
            sd[f"{name}.bias"] = arrays[f"{name}_b"]
        sd["mix_word.weight"] = arrays["mix_word_w"]
    if feed:
        sd["feed.weight"] = arrays["feed_w"]
    net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items()})
    net.eval()
    net.recurrent_int8 = header.get("recurrent_int8", 0) == 1
    vocab = {cp: i for cp, i in header["vocab"]}
    header["word_index"] = word_index_of(header)
    return net, vocab, header
