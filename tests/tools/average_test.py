"""Weight averaging of exported diacritizer models (tools/train_diacritizer/average.py): the
average of models of one architecture and word list holds the mean of each tensor (the
recurrent matrices rounded to bfloat16 values, as every export does), and models of different
sizes or word lists are refused."""
import os
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train_diacritizer"))
import arabic  # noqa: E402
import average  # noqa: E402
import model  # noqa: E402

WORDS = ["الدرس", "في", "المدرسة"]


def export_random(path, seed, hidden=24, words=WORDS):
    torch.manual_seed(seed)
    vocab, vocab_size = arabic.build_vocab()
    net = model.DiacritizerNet(vocab_size, 16, hidden, 2, 0.0, len(words) + arabic.FIRST_WORD_ID,
                               12, 10, 8)
    with torch.no_grad():
        for param in net.parameters():
            param.normal_(0, 0.3)
    model.export(net, vocab, path, words=words)


class AverageTest(unittest.TestCase):
    def test_each_tensor_is_the_mean(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths = [os.path.join(tmp, f"m{k}.bin") for k in range(3)]
            for k, path in enumerate(paths):
                export_random(path, seed=k)
            net, _, header = average.average(paths)
            states = [model.load(path)[0].state_dict() for path in paths]
            out = os.path.join(tmp, "avg.bin")
            model.export(net, arabic.build_vocab()[0], out, words=header["words"].split(" "))
            written = model.load(out)[0].state_dict()
            for key, value in written.items():
                mean = sum(state[key] for state in states) / 3
                if key.endswith("weight_hh_l0"):  # rounded to bfloat16: within half a step
                    near = (value - mean).abs() <= mean.abs() * 2 ** -8 + 1e-6
                    self.assertTrue(bool(near.all()), key)
                else:
                    self.assertTrue(torch.allclose(value, mean, atol=1e-6), key)
            self.assertFalse(torch.equal(written["out.weight"], states[0]["out.weight"]))

    def test_other_sizes_or_word_lists_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b, c = (os.path.join(tmp, name) for name in ("a.bin", "b.bin", "c.bin"))
            export_random(a, seed=1)
            export_random(b, seed=2, hidden=32)
            export_random(c, seed=3, words=["في", "الدرس", "المدرسة"])
            for other in (b, c):
                with self.assertRaises(ValueError):
                    average.average([a, other])


if __name__ == "__main__":
    unittest.main()
