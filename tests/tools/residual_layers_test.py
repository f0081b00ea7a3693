"""Residual character layers of the diacritizer network (tools/train_diacritizer/model.py,
train.py --residual-layers): added to a trained network they start at zero, so that it computes
what it computed; once trained, the weights file carries them and reads back the same network."""
import os
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train_diacritizer"))
import arabic  # noqa: E402
import model  # noqa: E402

WORDS = ["الدرس", "في", "المدرسة", "إلى"]


def net_of(vocab_size, residual_layers):
    torch.manual_seed(5)
    net = model.DiacritizerNet(vocab_size, 16, 24, 2, 0.0, len(WORDS) + arabic.FIRST_WORD_ID,
                               12, 10, 8, residual_layers)
    with torch.no_grad():  # the heads start at zero: give them weights so that they count
        for param in (net.out2.weight, net.feed.weight):
            param.normal_(0, 0.3)
    return net.eval()


def inputs(vocab_size):
    torch.manual_seed(7)
    ids = torch.randint(arabic.FIRST_WORD_ID, vocab_size, (2, 30))
    words = torch.randint(arabic.FIRST_WORD_ID, len(WORDS) + arabic.FIRST_WORD_ID, (2, 30))
    return ids, torch.zeros_like(ids), torch.tensor([30, 21]), words


class ResidualLayersTest(unittest.TestCase):
    def test_added_layers_start_as_the_network_without_them(self):
        _, vocab_size = arabic.build_vocab()
        plain, deeper = net_of(vocab_size, 0), net_of(vocab_size, 2)
        own = deeper.state_dict()
        taken = {k: v for k, v in plain.state_dict().items() if k in own}
        self.assertEqual(len(own) - len(taken), 2 * (2 * 4 + 1))  # 2 layers: 2 LSTMs + res
        deeper.load_state_dict(taken, strict=False)
        with torch.no_grad():
            self.assertTrue(torch.equal(plain(*inputs(vocab_size)), deeper(*inputs(vocab_size))))
            for res in deeper.res:
                res.weight.normal_(0, 0.3)
            moved = (plain(*inputs(vocab_size)) - deeper(*inputs(vocab_size))).abs().max()
        self.assertGreater(float(moved), 1e-3)  # the layers count once trained

    def test_the_weights_file_reads_back_the_same_network(self):
        vocab, vocab_size = arabic.build_vocab()
        net = net_of(vocab_size, 1)
        with torch.no_grad():
            net.res[0].weight.normal_(0, 0.3)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "deeper.bin")
            model.export(net, vocab, path, recurrent_bf16=False, words=WORDS)
            back, _, header = model.load(path)
        self.assertEqual(header["residual_layers"], 1)
        self.assertEqual(back.config["residual_layers"], 1)
        with torch.no_grad():
            torch.testing.assert_close(back(*inputs(vocab_size)), net(*inputs(vocab_size)))

    def test_a_file_without_them_has_no_field(self):
        vocab, vocab_size = arabic.build_vocab()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "plain.bin")
            model.export(net_of(vocab_size, 0), vocab, path, recurrent_bf16=False, words=WORDS)
            self.assertNotIn("residual_layers", model.read_header(path))


if __name__ == "__main__":
    unittest.main()
