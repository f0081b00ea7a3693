"""Exports a training checkpoint (train.py --work-dir) to a weights file, e.g. to take a model
from a run stopped early. train.py exports by itself when its last epoch ends.

Usage: /usr/bin/python3 export.py WORK_DIR/checkpoint.pt OUTPUT_FILE
"""
import sys

import torch

import arabic
import model


def main():
    ckpt = torch.load(sys.argv[1])
    args = ckpt["args"]
    vocab, vocab_size = arabic.build_vocab()
    words = ckpt.get("words") or []
    net = model.DiacritizerNet(vocab_size, args["embedding"], args["hidden"], args["layers"], 0.0,
                               len(words) + arabic.FIRST_WORD_ID if words else 0,
                               args.get("word_context", 0),
                               args.get("head_hidden", 0) if args.get("word_context") else 0,
                               args.get("word_feed", 0))
    net.load_state_dict(ckpt["model"])
    net.eval()
    state = ckpt["state"]
    info = {"data": "all.txt", "lines": args["train_lines"] or "all", "epochs": args["epochs"],
            "steps": state["step"], "stopped_at": {"epoch": state["epoch"], "batch": state["batch"]},
            "train_seconds": round(state["seconds"]), "history": state["history"],
            "args": {k: v for k, v in args.items()
                     if k not in ("train", "val", "work_dir", "output")}}
    model.export(net, vocab, sys.argv[2], info,
                 max_segment_chars=args.get("segment_chars", model.SEGMENT_CHARS), words=words,
                 word_stems=args.get("word_stems", False))
    print(f"exported {sys.argv[2]} from step {state['step']}")


if __name__ == "__main__":
    main()
