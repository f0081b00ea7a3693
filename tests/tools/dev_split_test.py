"""The diacritizer's dev split (tools/train_diacritizer/dev_split.py): which dev lines count as
novel (sharing no 8-word sequence, marks ignored, with any training line)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train_diacritizer"))
import dev_split  # noqa: E402

WORDS = "كتب الولد الدرس في المدرسة ثم ذهب إلى البيت مع أخيه الكبير".split()


def line(words, marked=False):
    text = " ".join(words)
    return "".join(ch + "\u064E" for ch in text) if marked else text


class NovelLinesTest(unittest.TestCase):
    def test_a_shared_run_of_eight_words_makes_a_line_not_novel_marks_ignored(self):
        train = [line(["قال"] + WORDS[2:10] + ["اليوم"], marked=True)]
        dev = [line(WORDS[:10])]
        self.assertEqual(dev_split.novel_lines(dev, train), [])

    def test_seven_shared_words_keep_a_line_novel(self):
        train = [line(WORDS[2:9])]
        dev = [line(WORDS[:10]), line(WORDS[3:6])]
        self.assertEqual(dev_split.novel_lines(dev, train), dev)

    def test_a_line_shorter_than_eight_words_is_novel_unless_another_line_shares_eight(self):
        train = [line(WORDS[:12])]
        dev = [line(WORDS[:7]), line(WORDS[4:12])]
        self.assertEqual(dev_split.novel_lines(dev, train), [line(WORDS[:7])])


if __name__ == "__main__":
    unittest.main()
