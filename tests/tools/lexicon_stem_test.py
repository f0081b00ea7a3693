"""The lexicon's stems (tools/train_diacritizer/lexicon.py, stem_backoff=1): a rarer word read
as clitics around a known stem offers the stem's patterns on its inner letters, the same cases
as WordLexiconTest's FindStem tests in C++ (which must agree with this reference); and
predict.choose_marks lets those patterns decide the inner letters unless the marks they have
score more than network_margin_rare above them."""
import os
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train_diacritizer"))
import arabic  # noqa: E402
import lexicon  # noqa: E402
import predict  # noqa: E402

HEADER = ("#polyvox-lexicon 3 prior_weight=0.5 full_min_count=5 left_weight=0.7 "
          "right_weight=0.25 context_smoothing=2 context_min_count=2")


def load(body, fields=" stem_backoff=1"):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.lexicon")
        with open(path, "w", encoding="utf-8") as f:
            f.write(HEADER + fields + "\n" + body)
        return lexicon.Lexicon(path)


class StemTest(unittest.TestCase):
    def test_longest_known_stem_and_its_inner_letters(self):
        lex = load("كتاب\t5101:3 5103:2 5201:2\nكتابهم\t510157:3\n")
        self.assertEqual(lex.stem_candidates("وبكتابهم"),
                         (2, "كتابهم", 3, [((5, 1, 0, 1, 5), 0.0)]))
        self.assertEqual(lex.stem_candidates("وكتابه"),
                         (1, "كتاب", 7, [((5, 1, 0), 0.0), ((5, 2, 0), 0.0)]))
        # After the article the stem's first letter is left out too.
        self.assertEqual(lex.stem_candidates("والكتاب"),
                         (4, "كتاب", 7, [((1, 0), 0.0), ((2, 0), 0.0)]))
        self.assertIsNone(lex.stem_candidates("كتاب"))  # no clitics: not a split
        self.assertIsNone(lex.stem_candidates("وقلمه"))  # unknown stem

    def test_frequent_words_short_stems_and_files_without_stems(self):
        lex = load("في\t51:9\nوكتابه\t515151:5\nكتاب\t5101:3\n")
        self.assertIsNone(lex.stem_candidates("وكتابه"))  # seen full_min_count times
        self.assertEqual(lex.stem_candidates("وفي"), (1, "في", 9, [((5,), 0.0)]))
        self.assertIsNone(lex.stem_candidates("والفي"))  # no inner letter after the article
        self.assertIsNone(lex.stem_candidates("بي"))  # a stem of one letter
        for fields in ("", " stem_backoff=0"):
            self.assertIsNone(load("كتاب\t5101:3\n", fields).stem_candidates("وكتاب"))

    def test_ta_before_a_suffix_may_be_ta_marbuta(self):
        lex = load("مدرسة\t17151:4\n")
        self.assertEqual(lex.stem_candidates("مدرستهم"), (0, "مدرسة", 4, [((1, 7, 1, 5), 0.0)]))
        self.assertIsNone(lex.stem_candidates("ومدرست"))

    def test_choose_marks_gives_the_stem_its_pattern_within_the_margin(self):
        word = "وكتابه"
        bases = [ord(ch) for ch in word]
        logits = torch.zeros((len(bases), arabic.NUM_CLASSES))
        logits[:, 3] = 2.0  # the network prefers damma everywhere, sukun next
        logits[:, 7] = 1.0
        body = "كتاب\t7777:9\n"  # the stem, all sukun
        for margin, expected in ((100, [3, 7, 7, 7, 3, 3]), (0, [3] * 6)):
            lex = load(body, f" network_margin_full=0 network_margin_rare={margin} stem_backoff=1")
            added = predict.choose_marks(bases, [[] for _ in bases], logits, lex)
            self.assertEqual([arabic.class_of(list(a)) for a in added], expected, margin)


if __name__ == "__main__":
    unittest.main()
