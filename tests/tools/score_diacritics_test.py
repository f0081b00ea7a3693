"""The benchmark scorer (tools/score_diacritics.py) against hand-computed examples."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import score_diacritics  # noqa: E402

FATHA, DAMMA, KASRA, SUKUN, SHADDA = "\u064E", "\u064F", "\u0650", "\u0652", "\u0651"


def score(pairs):
    s = score_diacritics.Score()
    for gold, pred in pairs:
        s.add_line(gold, pred)
    return s.figures()


class ScoreDiacriticsTest(unittest.TestCase):
    def test_case_ending_errors_count_only_with_case_ending(self):
        # كَتَبَ الْوَلَدُ vs كَتَبْ الْوَلَدَ: both errors are on last letters.
        f = score([("كَتَبَ الْوَلَدُ", "كَتَبْ الْوَلَدَ")])
        self.assertEqual(f["letters"], 8)
        self.assertAlmostEqual(f["der_with_case_ending"], 100 * 2 / 8)
        self.assertAlmostEqual(f["der_without_case_ending"], 0.0)
        self.assertAlmostEqual(f["wer_with_case_ending"], 100.0)
        self.assertAlmostEqual(f["wer_without_case_ending"], 0.0)

    def test_letters_without_mark_are_counted(self):
        # قَالَ: the alef has no mark in the gold; the prediction gives it a fatha.
        f = score([("قَالَ", "قَا" + FATHA + "لَ")])
        self.assertAlmostEqual(f["der_with_case_ending"], 100 / 3)
        self.assertAlmostEqual(f["der_without_case_ending"], 50.0)
        self.assertAlmostEqual(f["wer_without_case_ending"], 100.0)

    def test_missing_mark_is_an_error(self):
        f = score([("مِنْ", "مِن")])
        self.assertAlmostEqual(f["der_with_case_ending"], 50.0)
        self.assertAlmostEqual(f["der_without_case_ending"], 0.0)

    def test_shadda_and_vowel_in_either_order_are_one_class(self):
        gold = "مُحَمَّدٌ"
        pred = gold.replace("م" + FATHA + SHADDA, "م" + SHADDA + FATHA)
        self.assertNotEqual(gold, pred)
        self.assertAlmostEqual(score([(gold, pred)])["der_with_case_ending"], 0.0)

    def test_shadda_alone_differs_from_shadda_with_vowel(self):
        f = score([("رَبَّ", "رَبّ")])
        self.assertAlmostEqual(f["der_with_case_ending"], 50.0)

    def test_other_pairs_count_as_first_mark_and_third_mark_is_ignored(self):
        f = score([("بَ" + SUKUN + "بُ" + SHADDA + FATHA, "بَبُّ" + KASRA)])
        # letter 1: fatha+sukun = fatha (same); letter 2: damma+shadda (+ ignored third) =
        # shadda+damma on both sides.
        self.assertAlmostEqual(f["der_with_case_ending"], 0.0)

    def test_punctuation_and_digits_split_words(self):
        f = score([("كَتَبَ،كَتَبَ 12 كَتَبَ", "كَتَبَ،كَتَبْ 12 كَتَبَ")])
        self.assertEqual(f["words"], 3)
        self.assertAlmostEqual(f["wer_with_case_ending"], 100 / 3)
        self.assertAlmostEqual(f["der_with_case_ending"], 100 / 9)

    def test_marks_after_space_or_at_line_start_are_dropped(self):
        f = score([("كَتَبَ", FATHA + " " + DAMMA + "كَتَبَ ")])
        self.assertAlmostEqual(f["der_with_case_ending"], 0.0)

    def test_alef_tanween_is_normalized(self):
        f = score([("كِتَابًا", "كِتَاباً")])
        self.assertAlmostEqual(f["der_with_case_ending"], 0.0)

    def test_changed_letters_are_rejected(self):
        with self.assertRaises(ValueError):
            score([("كَتَبَ", "كَتَمَ")])

    def test_figures_accumulate_over_lines(self):
        f = score([("مِنْ", "مِن"), ("مِنْ", "مِنْ")])
        self.assertAlmostEqual(f["der_with_case_ending"], 25.0)
        self.assertAlmostEqual(f["wer_with_case_ending"], 50.0)


if __name__ == "__main__":
    unittest.main()
