"""Word ids read through stems (tools/train_diacritizer/arabic.py WordIndex, train.py
--word-stems, model.py's "word_stems" header field): a word not in a model's list takes its
best stem's id (the same cases as BilstmModelTest.WordStemsReadAnUnknownWordAsItsStem in C++,
which must agree with this reference), a dropped word in training takes its stem's id, and the
flag travels through the weights file."""
import os
import random
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train_diacritizer"))
import arabic  # noqa: E402
import model  # noqa: E402
import train  # noqa: E402

WORDS = ["كتبه", "وكتب", "مدرسة"]  # ids 2, 3, 4


class WordIndexTest(unittest.TestCase):
    def test_unknown_words_read_their_stem(self):
        index = arabic.word_index(WORDS, stems=True)
        cases = {
            "وكتب": 3,                          # in the list: its own id
            "فكتبه": 2,                         # ف + كتبه
            "وكتبه": 2,                         # وكتب+ه and و+كتبه: same length, the lower id
            "وكتبهم": 3,                        # وكتب+هم (كتب is not in the list)
            "مدرستها": 4,                       # مدرست+ها read as مدرسة
            "والمدرسة": 4,                      # وال + مدرسة
            "بمدرسة": 4,
            "المدرستان": 4,                     # ال + مدرست + ان, read as مدرسة
            "بمدرست": arabic.UNKNOWN_WORD_ID,   # no suffix: the ta' stays ta'
            "زيد": arabic.UNKNOWN_WORD_ID,
            "كه": arabic.UNKNOWN_WORD_ID,       # no stem of two letters
        }
        for word, wid in cases.items():
            self.assertEqual(index.id_of(word), wid, word)

    def test_without_stems_unknown_words_stay_unknown(self):
        index = arabic.word_index(WORDS)
        self.assertEqual(index.id_of("وكتب"), 3)
        self.assertEqual(index.id_of("فكتبه"), arabic.UNKNOWN_WORD_ID)
        bases = [ord(c) for c in "فكتبه وكتب"]
        self.assertEqual(arabic.word_ids(bases, index), [1] * 5 + [0] + [3] * 4)
        stems = arabic.word_index(WORDS, stems=True)
        self.assertEqual(arabic.word_ids(bases, stems), [2] * 5 + [0] + [3] * 4)

    def test_a_longer_stem_wins_over_a_more_frequent_one(self):
        index = arabic.word_index(["ولد", "الولد"], stems=True)
        self.assertEqual(index.id_of("والولد"), 3)  # و + الولد (5 letters) over وال + ولد


class DropToStemTest(unittest.TestCase):
    def test_dropped_words_take_their_stems_id(self):
        words = ["كتاب", "الكتاب", "زيد"]
        index = arabic.word_index(words, stems=True)
        dropped_to = train.stems_of_words(words, index)
        # كتاب splits as ك + تاب (unknown): unknown; الكتاب -> كتاب; زيد has no split.
        self.assertEqual(dropped_to.tolist(), [0, 1, 1, 2, 1])
        seg = np.array([3, 3, 3, 3, 3, 3, 0, 2, 2, 2, 2, 0, 4, 4, 4], dtype=np.int64)
        rng = random.Random(1)
        self.assertEqual(train.drop_words(seg, 1.0, rng, dropped_to).tolist(),
                         [2] * 6 + [0] + [1] * 4 + [0] + [1] * 3)
        self.assertEqual(train.drop_words(seg, 1.0, rng).tolist(),
                         [1] * 6 + [0] + [1] * 4 + [0] + [1] * 3)
        self.assertEqual(train.drop_words(seg, 0.0, rng, dropped_to).tolist(), seg.tolist())


class WeightsFileTest(unittest.TestCase):
    def test_the_flag_travels_through_the_weights_file(self):
        vocab, vocab_size = arabic.build_vocab()
        torch.manual_seed(5)
        net = model.DiacritizerNet(vocab_size, 8, 8, 2, 0.0, len(WORDS) + arabic.FIRST_WORD_ID,
                                   4, 4, 4).eval()
        with tempfile.TemporaryDirectory() as tmp:
            for stems in (False, True):
                path = os.path.join(tmp, f"{stems}.bin")
                model.export(net, vocab, path, max_segment_chars=40, words=WORDS,
                             word_stems=stems)
                self.assertEqual(model.read_header(path).get("word_stems"),
                                 1 if stems else None)
                _, _, header = model.load(path)
                self.assertEqual(header["word_index"].stems, stems)
                self.assertEqual(header["word_index"].id_of("فكتبه"),
                                 2 if stems else arabic.UNKNOWN_WORD_ID)


if __name__ == "__main__":
    unittest.main()
