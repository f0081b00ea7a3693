"""The diacritizer training's distillation and bfloat16 parts (tools/train_diacritizer/train.py,
model.py): the teacher's scores land on the characters they belong to, the distillation loss
is the soft-target cross-entropy over letters only, and a bfloat16 forward pass computes what
the float32 one does and trains the float32 weights."""
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train_diacritizer"))
import arabic  # noqa: E402
import model  # noqa: E402
import train  # noqa: E402

LINES = [
    "كَتَبَ الْوَلَدُ الدَّرْسَ",
    "ذَهَبَ إِلَى الْبَيْتِ مَعَ أَخِيهِ الْكَبِيرِ، ثُمَّ عَادَ إِلَى الْمَدْرَسَةِ فِي الصَّبَاحِ",
    "قَالَ: نَعَمْ",
    "فِي الْمَدْرَسَةِ " * 6,
]
WORDS = ["الدرس", "في", "المدرسة", "إلى"]


def tiny_net(vocab_size, word_vocab_size):
    torch.manual_seed(3)
    net = model.DiacritizerNet(vocab_size, 16, 24, 2, 0.0, word_vocab_size, 12, 10, 8)
    with torch.no_grad():  # the heads start at zero: give them weights so that they count
        for param in (net.out2.weight, net.feed.weight):
            param.normal_(0, 0.3)
    return net.eval()


class TeacherScoresTest(unittest.TestCase):
    def test_each_segment_gets_the_scores_the_teacher_gives_it_alone(self):
        vocab, vocab_size = arabic.build_vocab()
        teacher_words = WORDS[1:]  # another word list than the student's
        net = tiny_net(vocab_size, len(teacher_words) + arabic.FIRST_WORD_ID)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "teacher.bin")
            model.export(net, vocab, path, max_segment_chars=40, recurrent_bf16=False,
                         words=teacher_words)
            teacher_index = arabic.word_index(teacher_words)
            segments = []
            for line in LINES:  # segments of various lengths, so that batches are padded
                segments.extend(train.segments_of(line, vocab, 40, arabic.word_index(WORDS),
                                                  [teacher_index]))
            self.assertGreater(len(segments), len(LINES))
            scores, offsets = train.teacher_scores([path], segments, 200, bf16=False)
        self.assertEqual(scores.shape, (sum(len(s[0]) for s in segments), arabic.NUM_CLASSES))
        with torch.no_grad():
            for k, (ids, _, _, teacher_ids) in enumerate(segments):
                alone = torch.log_softmax(net(
                    torch.from_numpy(ids[None]), torch.zeros((1, len(ids)), dtype=torch.long),
                    torch.tensor([len(ids)]), torch.from_numpy(teacher_ids[None]))[0], -1).numpy()
                got = scores[offsets[k]:offsets[k + 1]].astype(np.float32)
                self.assertEqual(got.shape, alone.shape)
                np.testing.assert_allclose(got, alone, atol=2e-2, rtol=1e-2,
                                           err_msg=f"segment {k}")

    def test_an_ensemble_gives_the_mean_of_its_members_log_probabilities(self):
        vocab, vocab_size = arabic.build_vocab()
        nets = [tiny_net(vocab_size, len(WORDS) + arabic.FIRST_WORD_ID) for _ in range(2)]
        with torch.no_grad():  # two different teachers
            nets[1].out.bias.add_(torch.linspace(-2, 2, arabic.NUM_CLASSES))
        segments = []
        for line in LINES:
            segments.extend(train.segments_of(line, vocab, 40, arabic.word_index(WORDS),
                                              [arabic.word_index(WORDS)]))
        with tempfile.TemporaryDirectory() as tmp:
            paths = [os.path.join(tmp, f"teacher{k}.bin") for k in range(2)]
            for net, path in zip(nets, paths):
                model.export(net, vocab, path, max_segment_chars=40, recurrent_bf16=False,
                             words=WORDS)
            both, offsets = train.teacher_scores(paths, segments, 200, bf16=False)
            each = [train.teacher_scores([path], segments, 200, bf16=False)[0] for path in paths]
        mean = (each[0].astype(np.float32) + each[1].astype(np.float32)) / 2
        np.testing.assert_allclose(both.astype(np.float32), mean, atol=2e-2, rtol=1e-2)
        self.assertGreater(float(np.abs(each[0].astype(np.float32) - mean).max()), 0.5)

    def test_members_with_other_word_lists_each_read_their_own_word_ids(self):
        vocab, vocab_size = arabic.build_vocab()
        lists = [WORDS, WORDS[::-1]]  # the same words under other ids
        nets = [tiny_net(vocab_size, len(w) + arabic.FIRST_WORD_ID) for w in lists]
        with torch.no_grad():  # the second member reads its words differently
            nets[1].out.bias.add_(torch.linspace(-2, 2, arabic.NUM_CLASSES))
            nets[1].word_emb.weight.normal_(0, 5.0)
        indexes = [arabic.word_index(w) for w in lists]
        segments = []
        for line in LINES:
            segments.extend(train.segments_of(line, vocab, 40, arabic.word_index(WORDS), indexes))
        self.assertTrue(all(len(seg) == 5 for seg in segments))
        with tempfile.TemporaryDirectory() as tmp:
            paths = [os.path.join(tmp, f"teacher{k}.bin") for k in range(2)]
            for net, path, words in zip(nets, paths, lists):
                model.export(net, vocab, path, max_segment_chars=40, recurrent_bf16=False,
                             words=words)
            both, offsets = train.teacher_scores(paths, segments, 200, bf16=False, groups=[0, 1])
            # the second member read with the first one's word ids would score otherwise
            wrong, _ = train.teacher_scores(paths, segments, 200, bf16=False, groups=[0, 0])
        with torch.no_grad():
            for k, seg in enumerate(segments):
                ids = torch.from_numpy(seg[0][None])
                args = (ids, torch.zeros_like(ids), torch.tensor([len(seg[0])]))
                alone = [torch.log_softmax(net(*args, torch.from_numpy(seg[3 + g][None]))[0], -1)
                         for g, net in enumerate(nets)]
                np.testing.assert_allclose(both[offsets[k]:offsets[k + 1]].astype(np.float32),
                                           ((alone[0] + alone[1]) / 2).numpy(), atol=2e-2,
                                           rtol=1e-2, err_msg=f"segment {k}")
        self.assertGreater(float(np.abs(wrong.astype(np.float32) - both.astype(np.float32)).max()),
                           0.1)

    def test_scoring_stopped_part_way_goes_on_from_the_batches_recorded(self):
        vocab, vocab_size = arabic.build_vocab()
        net = tiny_net(vocab_size, len(WORDS) + arabic.FIRST_WORD_ID)
        segments = []
        for line in LINES:
            segments.extend(train.segments_of(line, vocab, 40, arabic.word_index(WORDS),
                                              [arabic.word_index(WORDS)]))
        batches = train.make_batches(segments, 80, 0)
        self.assertGreaterEqual(len(batches), 3)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "teacher.bin")
            model.export(net, vocab, path, max_segment_chars=40, recurrent_bf16=False,
                         words=WORDS)
            whole, offsets = train.teacher_scores([path], segments, 80, bf16=False)
            partial = os.path.join(tmp, "scores.partial.npy")
            got, _ = train.teacher_scores([path], segments, 80, bf16=False, partial=partial,
                                          stamp="sha-a", every=1)
            np.testing.assert_array_equal(np.asarray(got), whole)
            with open(partial + ".done") as f:
                self.assertEqual(f.read(), f"sha-a\n{len(batches)}\n")
            del got
            # a stop after two batches: their rows are on disk, the rest is not
            done_rows = np.zeros(len(whole), dtype=bool)
            for batch in batches[:2]:
                for i in batch:
                    done_rows[offsets[i]:offsets[i + 1]] = True
            on_disk = np.load(partial, mmap_mode="r+")
            on_disk[done_rows] = 7.0  # marks rows that must not be scored again
            on_disk[~done_rows] = 0.0
            on_disk.flush()
            del on_disk
            with open(partial + ".done", "w") as f:
                f.write("sha-a\n2\n")
            resumed, _ = train.teacher_scores([path], segments, 80, bf16=False,
                                              partial=partial, stamp="sha-a", every=1)
            resumed = np.array(resumed)
            self.assertTrue((resumed[done_rows] == 7.0).all())
            np.testing.assert_array_equal(resumed[~done_rows], whole[~done_rows])
            # another teacher's partial scores are not taken: everything is scored again
            again, _ = train.teacher_scores([path], segments, 80, bf16=False, partial=partial,
                                            stamp="sha-b", every=1)
            np.testing.assert_array_equal(np.asarray(again), whole)
            del again

    def test_the_teacher_reads_its_own_word_ids(self):
        vocab, _ = arabic.build_vocab()
        segment = train.segments_of(LINES[0], vocab, 400, arabic.word_index(WORDS),
                                    [arabic.word_index(["كتب"])])[0]
        student_words, teacher_words = segment[2], segment[3]
        self.assertEqual(int(student_words[0]), arabic.UNKNOWN_WORD_ID)  # كتب
        self.assertEqual(int(teacher_words[0]), arabic.FIRST_WORD_ID)
        self.assertEqual(int(student_words[-1]), arabic.FIRST_WORD_ID)  # الدرس
        self.assertEqual(int(teacher_words[-1]), arabic.UNKNOWN_WORD_ID)


class DistillLossTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(1)
        self.logits = torch.randn(2, 5, arabic.NUM_CLASSES)
        self.labels = torch.randint(0, arabic.NUM_CLASSES, (2, 5))
        self.labels[0, 1] = self.labels[1, 4] = train.IGNORE

    def test_a_certain_teacher_gives_the_cross_entropy_of_its_choices(self):
        targets = torch.full_like(self.logits, -1e4)
        chosen = self.labels.clamp(min=0)
        targets.scatter_(2, chosen.unsqueeze(2), 1e4)
        expected = torch.nn.functional.cross_entropy(
            self.logits.reshape(-1, arabic.NUM_CLASSES), self.labels.reshape(-1),
            ignore_index=train.IGNORE)
        got = train.distill_loss(self.logits, self.labels, targets, 1.0)
        self.assertAlmostEqual(float(got), float(expected), places=5)

    def test_ignored_characters_do_not_count(self):
        targets = torch.randn_like(self.logits)
        other = targets.clone()
        other[0, 1] = other[1, 4] = 50.0  # only the ignored positions change
        for temperature in (1.0, 2.0):
            self.assertAlmostEqual(
                float(train.distill_loss(self.logits, self.labels, targets, temperature)),
                float(train.distill_loss(self.logits, self.labels, other, temperature)),
                places=6)

    def test_letters_given_a_hint_do_not_count(self):
        targets = torch.randn_like(self.logits)
        hints = torch.zeros_like(self.labels)
        hints[0, 2] = hints[1, 0] = 3
        other = targets.clone()
        other[0, 2] = other[1, 0] = 50.0  # only the hinted letters change
        for temperature in (1.0, 2.0):
            with_hints = float(train.distill_loss(self.logits, self.labels, targets, temperature,
                                                  hints))
            self.assertAlmostEqual(with_hints, float(train.distill_loss(
                self.logits, self.labels, other, temperature, hints)), places=6)
            self.assertNotAlmostEqual(with_hints, float(train.distill_loss(
                self.logits, self.labels, other, temperature)), places=3)
        every = torch.ones_like(self.labels)  # nothing left to learn from the teacher
        logits = self.logits.clone().requires_grad_(True)
        loss = train.distill_loss(logits, self.labels, targets, 1.0, every)
        loss.backward()
        self.assertEqual(float(loss), 0.0)
        self.assertEqual(float(logits.grad.abs().sum()), 0.0)

    def test_the_loss_is_lowest_where_the_student_matches_the_teacher(self):
        targets = torch.randn_like(self.logits)
        for temperature in (1.0, 2.0):
            logits = targets.clone().requires_grad_(True)
            train.distill_loss(logits, self.labels, targets, temperature).backward()
            self.assertLess(float(logits.grad.abs().max()), 1e-6)
            moved = train.distill_loss(targets + 0.5 * torch.randn_like(targets), self.labels,
                                       targets, temperature)
            self.assertGreater(float(moved),
                               float(train.distill_loss(targets, self.labels, targets,
                                                        temperature)))


class Bf16Test(unittest.TestCase):
    def test_bf16_computes_close_to_float32_and_trains_the_float32_weights(self):
        vocab, vocab_size = arabic.build_vocab()
        net = tiny_net(vocab_size, len(WORDS) + arabic.FIRST_WORD_ID)
        segment = train.segments_of(LINES[1], vocab, 400, arabic.word_index(WORDS))[0]
        ids, labels, words = (torch.tensor(np.array([a])) for a in segment)
        args = (ids, torch.zeros_like(ids), torch.tensor([ids.shape[1]]), words)
        with torch.no_grad():
            exact = net(*args)
            net.bf16 = True
            approx = net(*args)
        self.assertEqual(approx.dtype, torch.float32)
        self.assertLess(float((approx - exact).abs().max()), 0.1)
        self.assertGreater(float((approx - exact).abs().max()), 0.0)  # bfloat16 did run
        net.train()
        loss = torch.nn.functional.cross_entropy(net(*args)[0], labels[0],
                                                 ignore_index=train.IGNORE)
        loss.backward()
        for name in ("fw.0.weight_hh_l0", "bw.1.weight_ih_l0", "wfw.weight_hh_l0",
                     "ffw.weight_ih_l0", "feed.weight", "out.weight", "char_emb.weight"):
            param = dict(net.named_parameters())[name]
            self.assertEqual(param.grad.dtype, torch.float32, name)
            self.assertGreater(float(param.grad.abs().sum()), 0.0, name)


if __name__ == "__main__":
    unittest.main()
