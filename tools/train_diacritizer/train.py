"""Trains the Arabic diacritizer on the text --train names (all.txt); exports models/ weights.

Resumable: a checkpoint (model, optimizer, position in the epoch, RNG states) is written to
WORK_DIR/checkpoint.pt every --checkpoint-minutes and at the end of each epoch; running the same
command again continues from it. See README.md beside this file for the recipe.
"""
import argparse
import collections
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
from torch import nn

import arabic
import model

IGNORE = -100


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def read_lines(path, limit=0):
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    return lines[:limit] if limit else lines


def build_word_list(lines, min_count):
    """The words (runs of letters) seen at least min_count times, most frequent first (ties in
    code point order): the word vocabulary of a model with word embeddings."""
    counts = collections.Counter()
    for line in lines:
        bases, _, _ = arabic.parse_line(line)
        for start, end in arabic.word_runs(bases):
            counts["".join(chr(cp) for cp in bases[start:end])] += 1
    return [w for w, c in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
            if c >= min_count]


def segments_of(line, vocab, max_len, word_index, teacher_indexes=()):
    """(ids, labels, word ids) of each segment of at most max_len characters
    (arabic.segment_bounds), then one more array per index of `teacher_indexes`: the word ids
    that teacher models with another word list (or another way of reading stems) read."""
    bases, marks, _ = arabic.parse_line(line)
    ids = [vocab.get(cp, arabic.OTHER_ID) for cp in bases]
    labels = [arabic.class_of(m) if arabic.is_letter(cp) else IGNORE
              for cp, m in zip(bases, marks)]
    words = arabic.word_ids(bases, word_index)
    teacher_words = [arabic.word_ids(bases, index) for index in teacher_indexes]
    out = []
    for start, end in arabic.segment_bounds(bases, max_len):
        seg_ids, seg_labels = ids[start:end], labels[start:end]
        if any(l != IGNORE for l in seg_labels):
            seg = (np.array(seg_ids, dtype=np.int64), np.array(seg_labels, dtype=np.int64),
                   np.array(words[start:end], dtype=np.int64))
            seg += tuple(np.array(t[start:end], dtype=np.int64) for t in teacher_words)
            out.append(seg)
    return out


def make_batches(segments, batch_tokens, seed):
    """Batches of similar length (little padding), in a random order fixed by `seed`."""
    rng = random.Random(seed)
    order = sorted(range(len(segments)), key=lambda i: (len(segments[i][0]), rng.random()))
    batches, current, longest = [], [], 0
    for i in order:
        n = len(segments[i][0])
        if current and max(longest, n) * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, n)
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def random_hints(labels, rng):
    """Marks a user might already have written: for a third of the segments, a random share of
    letters reveals its class (a shadda+vowel letter sometimes reveals only its shadda)."""
    hints = np.zeros_like(labels)
    if rng.random() >= 1 / 3:
        return hints
    share = rng.random() * 0.5
    for i, label in enumerate(labels):
        if label != IGNORE and rng.random() < share:
            if label >= 9 and rng.random() < 0.5:
                hints[i] = arabic.SHADDA_CLASS + 1
            else:
                hints[i] = label + 1
    return hints


def drop_words(words, share, rng, dropped_to=None):
    """`words` with each known word replaced by the unknown-word id with probability `share`
    (all its characters together), so that the network also learns to do without; with
    `dropped_to` (word id -> id, a --word-stems run: stems_of_words), by the id of its stem
    instead, as a word not in the list would be read."""
    if not share:
        return words
    out = words.copy()
    i, n = 0, len(words)
    while i < n:
        j = i + 1
        while j < n and words[j] == words[i]:
            j += 1
        if words[i] >= arabic.FIRST_WORD_ID and rng.random() < share:
            out[i:j] = arabic.UNKNOWN_WORD_ID if dropped_to is None else dropped_to[words[i]]
        i = j
    return out


def stems_of_words(words, word_index):
    """Word id -> the id the word takes when dropped (drop_words) in a --word-stems run: its
    best stem's (WordIndex.stem_id, the word itself excluded), else unknown; ids 0 and 1 map to
    themselves."""
    out = np.arange(len(words) + arabic.FIRST_WORD_ID, dtype=np.int64)
    for k, w in enumerate(words):
        out[arabic.FIRST_WORD_ID + k] = word_index.stem_id(w)
    return out


def collate(segments, batch, rng, with_hints=True, word_dropout=0.0, dropped_to=None):
    longest = max(len(segments[i][0]) for i in batch)
    ids = np.zeros((len(batch), longest), dtype=np.int64)
    hints = np.zeros((len(batch), longest), dtype=np.int64)
    labels = np.full((len(batch), longest), IGNORE, dtype=np.int64)
    words = np.zeros((len(batch), longest), dtype=np.int64)
    lengths = np.zeros(len(batch), dtype=np.int64)
    for row, i in enumerate(batch):
        seg_ids, seg_labels, seg_words = segments[i][:3]
        n = len(seg_ids)
        ids[row, :n], labels[row, :n], lengths[row] = seg_ids, seg_labels, n
        words[row, :n] = drop_words(seg_words, word_dropout, rng, dropped_to)
        if with_hints:
            hints[row, :n] = random_hints(seg_labels, rng)
    return (torch.from_numpy(ids), torch.from_numpy(hints), torch.from_numpy(labels),
            torch.from_numpy(lengths), torch.from_numpy(words))


def segment_offsets(segments):
    """Where each segment's characters start in the characters of all segments in order (and,
    last, their total)."""
    offsets = np.zeros(len(segments) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(seg[0]) for seg in segments])
    return offsets


@torch.no_grad()
def teacher_scores(teachers, segments, batch_tokens, bf16, groups=None, partial=None,
                   stamp="", every=20):
    """The log-probabilities the teacher models (exported weights files, each given by its path
    or its bytes) give every character of every training segment, without hints or word
    dropout, averaged over the teachers (an ensemble's; one teacher: its own): one float16
    array (characters of all segments in order, classes) and each segment's offset in it
    (segment_offsets). Teacher k reads the word ids of segment array 3 + groups[k] (segments_of's
    teacher_indexes; without `groups`, all read array 3).

    With `partial` (a path ending in .npy), the scores are written into that file as they come
    (a memory map) and the count of batches done is recorded in PARTIAL.done with `stamp` every
    `every` batches: a later call with the same path, stamp and segments goes on from there
    instead of starting again (scoring all.txt with a large teacher takes most of an hour).
    A stamp or shape that does not match starts afresh. The array returned is then the map."""
    groups = groups or [0] * len(teachers)
    offsets = segment_offsets(segments)
    shape = (int(offsets[-1]), arabic.NUM_CLASSES)
    batches = make_batches(segments, batch_tokens, 0)
    first = 0
    if partial is None:
        scores = np.zeros(shape, dtype=np.float16)
    else:
        done_path = partial + ".done"
        try:
            with open(done_path) as f:
                said_stamp, said_done = f.read().rsplit("\n", 2)[:2]
            scores = np.load(partial, mmap_mode="r+")
            if said_stamp != stamp or scores.shape != shape or scores.dtype != np.float16:
                raise ValueError("another teacher or other segments")
            first = int(said_done)
            log(f"teacher scores: going on from batch {first}/{len(batches)}")
        except (OSError, ValueError):
            scores = np.lib.format.open_memmap(partial, "w+", np.float16, shape)

        def record(done):
            scores.flush()
            with open(done_path + ".tmp", "w") as f:
                f.write(f"{stamp}\n{done}\n")
            os.replace(done_path + ".tmp", done_path)
    teachers = [(model.loads(t) if isinstance(t, bytes) else model.load(t))[0] for t in teachers]
    for teacher in teachers:
        teacher.bf16 = bf16
    for k, batch in enumerate(batches[first:], first):
        longest = max(len(segments[i][0]) for i in batch)
        ids = np.zeros((len(batch), longest), dtype=np.int64)
        words = np.zeros((max(groups) + 1, len(batch), longest), dtype=np.int64)
        lengths = np.array([len(segments[i][0]) for i in batch], dtype=np.int64)
        for row, i in enumerate(batch):
            ids[row, :lengths[row]] = segments[i][0]
            for g in range(words.shape[0]):
                words[g, row, :lengths[row]] = segments[i][3 + g]
        ids, words = torch.from_numpy(ids), torch.from_numpy(words)
        out = sum(torch.log_softmax(t(ids, torch.zeros_like(ids), torch.from_numpy(lengths),
                                      words[g]), dim=-1)
                  for t, g in zip(teachers, groups)) / len(teachers)
        out = out.numpy()
        for row, i in enumerate(batch):
            scores[offsets[i]:offsets[i + 1]] = out[row, :lengths[row]]
        if k % 100 == 0:
            log(f"teacher scores: batch {k}/{len(batches)}")
        if partial is not None and (k + 1) % every == 0:
            record(k + 1)
    if partial is not None:
        record(len(batches))
    return scores, offsets


def distill_loss(logits, labels, targets, temperature, hints=None):
    """Cross-entropy of the student's scores against the teacher's distribution, both softened
    by `temperature` (times its square, which keeps the gradients' scale), over the letters;
    with `hints`, over the letters given no hint only (the teacher read none: where the student
    is given the mark, the teacher's doubt about it is no lesson)."""
    letters = labels != IGNORE
    if hints is not None:
        letters &= hints == 0
    if not bool(letters.any()):
        return logits.sum() * 0.0
    student = torch.log_softmax(logits[letters].float() / temperature, dim=-1)
    teacher = torch.softmax(targets[letters].float() / temperature, dim=-1)
    return -(teacher * student).sum(-1).mean() * temperature * temperature


@torch.no_grad()
def quick_der(net, vocab, lines, word_index):
    """Approximate DER on undiacritized `lines` (counting every letter; without case ending
    skips a word's last letter). The exact scorer is bench/score_diacritics.py."""
    net.eval()
    bf16, net.bf16 = net.bf16, False
    errors = {"ce": 0, "no_ce": 0}
    counts = {"ce": 0, "no_ce": 0}
    for k in range(0, len(lines), 32):
        chunk = lines[k:k + 32]
        parsed = [arabic.parse_line(line) for line in chunk]
        longest = max(len(p[0]) for p in parsed)
        ids = torch.zeros((len(chunk), longest), dtype=torch.long)
        words = torch.zeros((len(chunk), longest), dtype=torch.long)
        lengths = torch.tensor([max(len(p[0]), 1) for p in parsed])
        for row, (bases, _, _) in enumerate(parsed):
            ids[row, :len(bases)] = torch.tensor([vocab.get(cp, arabic.OTHER_ID) for cp in bases])
            words[row, :len(bases)] = torch.tensor(arabic.word_ids(bases, word_index), dtype=torch.long)
        pred = net(ids, torch.zeros_like(ids), lengths, words).argmax(-1)
        for row, (bases, marks, _) in enumerate(parsed):
            for i, cp in enumerate(bases):
                if not arabic.is_letter(cp):
                    continue
                wrong = int(pred[row, i]) != arabic.class_of(marks[i])
                last = i + 1 == len(bases) or not arabic.is_letter(bases[i + 1])
                errors["ce"] += wrong
                counts["ce"] += 1
                if not last:
                    errors["no_ce"] += wrong
                    counts["no_ce"] += 1
    net.train()
    net.bf16 = bf16
    return {k: 100.0 * errors[k] / max(counts[k], 1) for k in errors}


def save_checkpoint(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    data = arabic.find_data_dir(repo)
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--train", default=os.path.join(data, "all.txt"))
    p.add_argument("--val", default=os.path.join(data, "val.txt"))
    p.add_argument("--work-dir", required=True, help="checkpoints and log (outside git)")
    p.add_argument("--output", required=True, help="exported weights file")
    p.add_argument("--train-lines", type=int, default=0, help="use only the first N lines")
    p.add_argument("--val-lines", type=int, default=400, help="val lines for the epoch report")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--embedding", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--word-min-count", type=int, default=0,
                   help="word embeddings for the words seen this often (0: none)")
    p.add_argument("--word-dropout", type=float, default=0.0,
                   help="share of known words shown as unknown in training")
    p.add_argument("--word-stems", action="store_true",
                   help="a word not in the word list reads its stem's embedding when the list "
                        "has one (arabic.WordIndex), and a dropped word (--word-dropout) its "
                        "stem's; written in the exported weights (word_stems=1)")
    p.add_argument("--word-context", type=int, default=0,
                   help="word-level BiLSTM over per-word summaries, units per direction (0: none)")
    p.add_argument("--word-feed", type=int, default=0,
                   help="word-level BiLSTM over the first character layer's per-word summaries, "
                        "units per direction, whose output is added to the second layer's input "
                        "(with --word-context; 0: none)")
    p.add_argument("--head-hidden", type=int, default=64,
                   help="hidden units of the word-context head (with --word-context)")
    p.add_argument("--residual-layers", type=int, default=0,
                   help="residual character layers after the stacked ones (start at zero)")
    p.add_argument("--freeze-encoder", action="store_true",
                   help="train only the output layer and the word-context layer (the embeddings "
                        "and character LSTMs run without gradients: about 3x faster steps)")
    p.add_argument("--dev-mod", type=int, default=0,
                   help="hold out the dev split (arabic.is_dev_line with this modulus; 0: train "
                        "on every line) and report on it instead of --val")
    p.add_argument("--init-from", default="",
                   help="a checkpoint, or an exported weights file (.bin), whose weights start a "
                        "new run (tensors of the same name and shape; the others keep their "
                        "initialization, word embeddings 0), and its word list")
    p.add_argument("--max-len", type=int, default=400, help="longest training segment (chars)")
    p.add_argument("--segment-chars", type=int, default=model.SEGMENT_CHARS,
                   help="longest segment at inference, written in the exported weights (lines "
                        "are cut at spaces into segments of at most this many characters)")
    p.add_argument("--teacher", action="append", default=[],
                   help="an exported weights file whose scores on the training segments the "
                        "network also learns (knowledge distillation; computed once, kept in "
                        "WORK_DIR/teacher_scores.npy); repeated: an ensemble whose members' "
                        "log-probabilities are averaged (each reads its own word list)")
    p.add_argument("--distill-weight", type=float, default=0.5,
                   help="share of the loss from the teacher's scores (with --teacher)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="softens the teacher's and the network's distributions (with --teacher)")
    p.add_argument("--bf16", action="store_true",
                   help="compute the LSTMs and linear layers in bfloat16 (float32 master weights "
                        "and optimizer; faster on CPUs with AVX-512 BF16 / AMX)")
    p.add_argument("--batch-tokens", type=int, default=40000)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--max-minutes", type=float, default=0, help="stop (resumably) after this")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.work_dir, exist_ok=True)
    ckpt_path = os.path.join(args.work_dir, "checkpoint.pt")
    vocab, vocab_size = arabic.build_vocab()

    train_lines = read_lines(args.train, args.train_lines)
    dev_lines = []
    if args.dev_mod:
        dev_lines = [line for line in train_lines if arabic.is_dev_line(line, args.dev_mod)]
        train_lines = [line for line in train_lines if not arabic.is_dev_line(line, args.dev_mod)]
    init_net = None
    if args.init_from.endswith(".bin") and not os.path.exists(ckpt_path):
        init_net, _, init_header = model.load(args.init_from)
        words = init_header["words"].split(" ") if init_header.get("words") else []
    elif os.path.exists(ckpt_path):
        words = torch.load(ckpt_path)["words"]
    elif args.init_from:  # a checkpoint: keep its word list (its embeddings are by id)
        words = torch.load(args.init_from).get("words") or []
    else:
        words = build_word_list(train_lines, args.word_min_count) if args.word_min_count else []
    if args.word_min_count and not words:
        p.error(f"no word of the training text is seen {args.word_min_count} times")
    if args.word_stems and not words:
        p.error("--word-stems needs word embeddings (--word-min-count, or --init-from a model "
                "with a word list)")
    word_index = arabic.word_index(words, stems=args.word_stems)
    dropped_to = stems_of_words(words, word_index) if args.word_stems else None
    word_vocab_size = len(words) + arabic.FIRST_WORD_ID if words else 0
    teacher_indexes, teacher_groups = [], []
    teacher_path = os.path.join(args.work_dir, "teacher_scores.npy")
    need_scores = bool(args.teacher) and not os.path.exists(teacher_path)
    if args.teacher:
        teacher_files = []  # each file read once: its word list, its SHA-256, its network
        for path in args.teacher:
            with open(path, "rb") as f:
                teacher_files.append(f.read())
    if need_scores:
        # the teachers' word ids, only to compute their scores; teachers reading words alike
        # (one word list, stems or not) share one array
        headers = [model.header_of(b) for b in teacher_files]
        readings = [(h.get("words", ""), bool(h.get("word_stems"))) for h in headers]
        distinct = list(dict.fromkeys(readings))
        teacher_groups = [distinct.index(r) for r in readings]
        teacher_indexes = [model.word_index_of(headers[readings.index(r)]) for r in distinct]
    segments = []
    for line in train_lines:
        segments.extend(segments_of(line, vocab, args.max_len, word_index, teacher_indexes))
    del train_lines
    report_lines = dev_lines if args.dev_mod else read_lines(args.val)
    val_lines = report_lines[:args.val_lines] if args.val_lines else []
    steps_per_epoch = len(make_batches(segments, args.batch_tokens, args.seed))
    total_steps = steps_per_epoch * args.epochs
    log(f"{len(segments)} segments, {sum(len(s[0]) for s in segments)} chars, "
        f"{len(words)} words, {steps_per_epoch} steps/epoch, {total_steps} steps, "
        f"{len(dev_lines)} dev lines held out")

    net = model.DiacritizerNet(vocab_size, args.embedding, args.hidden, args.layers, args.dropout,
                               word_vocab_size, args.word_context,
                               args.head_hidden if args.word_context else 0, args.word_feed,
                               args.residual_layers)
    net.bf16 = args.bf16
    if args.freeze_encoder:
        net.freeze_encoder = True
        for name, param in net.named_parameters():
            if name.split(".")[0] in ("char_emb", "hint_emb", "word_emb", "fw", "bw"):
                param.requires_grad_(False)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=args.lr)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        progress = (step - args.warmup) / max(1, total_steps - args.warmup)
        return args.lr * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))

    state = {"step": 0, "epoch": 0, "batch": 0, "seconds": 0.0, "history": []}
    rng = random.Random(args.seed)
    if os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path)
        net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        rng.setstate(ckpt["rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        log(f"resumed at epoch {state['epoch']} batch {state['batch']} step {state['step']}")
    elif args.init_from:
        start = (init_net.state_dict() if init_net is not None
                 else torch.load(args.init_from)["model"])
        own = net.state_dict()
        taken = {k: v for k, v in start.items() if k in own and own[k].shape == v.shape}
        net.load_state_dict(taken, strict=False)
        if net.word_emb is not None and "word_emb.weight" not in taken:
            nn.init.zeros_(net.word_emb.weight)  # added to a trained network: keeps its function
        log(f"initialized from {args.init_from}: {len(taken)} of {len(own)} tensors")

    teacher = None
    if args.teacher:
        shas = [hashlib.sha256(b).hexdigest() for b in teacher_files]
        teacher_sha = " ".join(shas)
        if need_scores:
            partial = teacher_path + ".partial.npy"  # kept across a stop: scoring goes on
            scores, _ = teacher_scores(teacher_files, segments, 2 * args.batch_tokens, args.bf16,
                                       teacher_groups, partial=partial, stamp=teacher_sha)
            del scores
            with open(teacher_path + ".sha256", "w") as f:
                f.write(teacher_sha + "\n")
            os.replace(partial, teacher_path)
            os.remove(partial + ".done")
            segments = [seg[:3] for seg in segments]  # the teachers' word ids are done with
        stamp = teacher_path + ".sha256"
        if not os.path.exists(stamp) or open(stamp).read().strip() != teacher_sha:
            p.error(f"{teacher_path} holds the scores of another teacher (remove it)")
        del teacher_files
        teacher = np.load(teacher_path, mmap_mode="r")
        offsets = segment_offsets(segments)
        if teacher.shape != (offsets[-1], arabic.NUM_CLASSES):
            p.error(f"{teacher_path} does not match the training segments (remove it)")
        log(f"teacher scores of {', '.join(args.teacher)}: {teacher.shape[0]} characters")

    def teacher_targets(batch, longest):
        out = np.zeros((len(batch), longest, arabic.NUM_CLASSES), dtype=np.float32)
        for row, i in enumerate(batch):
            out[row, :offsets[i + 1] - offsets[i]] = teacher[offsets[i]:offsets[i + 1]]
        return torch.from_numpy(out)

    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    started = time.time()
    last_ckpt = time.time()
    session_start_seconds = state["seconds"]

    def checkpoint():
        state["seconds"] = session_start_seconds + time.time() - started
        save_checkpoint(ckpt_path, {"model": net.state_dict(), "optimizer": opt.state_dict(),
                                    "state": state, "rng": rng.getstate(),
                                    "torch_rng": torch.get_rng_state(), "args": vars(args),
                                    "words": words})

    net.train()
    stopped = False
    while state["epoch"] < args.epochs and not stopped:
        batches = make_batches(segments, args.batch_tokens, args.seed * 1000 + state["epoch"])
        running, seen = 0.0, 0
        while state["batch"] < len(batches):
            ids, hints, labels, lengths, word_ids = collate(
                segments, batches[state["batch"]], rng, word_dropout=args.word_dropout,
                dropped_to=dropped_to)
            for group in opt.param_groups:
                group["lr"] = lr_at(state["step"])
            logits = net(ids, hints, lengths, word_ids)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
            if teacher is not None:
                targets = teacher_targets(batches[state["batch"]], logits.shape[1])
                loss = ((1 - args.distill_weight) * loss + args.distill_weight
                        * distill_loss(logits, labels, targets, args.temperature, hints))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            state["step"] += 1
            state["batch"] += 1
            running += float(loss)
            seen += 1
            if state["step"] % 50 == 0:
                log(f"epoch {state['epoch']} batch {state['batch']}/{len(batches)} "
                    f"loss {running / seen:.4f} lr {lr_at(state['step']):.5f}")
                running, seen = 0.0, 0
            if time.time() - last_ckpt > args.checkpoint_minutes * 60:
                checkpoint()
                last_ckpt = time.time()
            if args.max_minutes and time.time() - started > args.max_minutes * 60:
                stopped = True
                break
        if not stopped:
            state["epoch"] += 1
            state["batch"] = 0
            der = quick_der(net, vocab, val_lines, word_index) if val_lines else {}
            state["history"].append({"epoch": state["epoch"], "step": state["step"], **der})
            log(f"epoch {state['epoch']} done: quick {'dev' if args.dev_mod else 'val'} DER "
                f"{json.dumps(der)}")
        checkpoint()
        last_ckpt = time.time()

    if stopped:
        log("stopped by --max-minutes; run the same command again to resume")
        return 3
    info = {"data": os.path.basename(args.train), "lines": args.train_lines or "all",
            "dev_held_out": len(dev_lines),
            "epochs": args.epochs, "steps": state["step"],
            "train_seconds": round(state["seconds"]), "history": state["history"],
            "args": {k: v for k, v in vars(args).items()
                     if k not in ("train", "val", "work_dir", "output")}}
    net.eval()
    net.bf16 = False
    model.export(net, vocab, args.output, info, max_segment_chars=args.segment_chars,
                 words=words, word_stems=args.word_stems)
    log(f"exported {args.output} ({os.path.getsize(args.output)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
