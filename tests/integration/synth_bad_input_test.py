#!/usr/bin/env python3
"""`polyvox synth` on bad input: exit code 2, a message naming what is wrong, and no output file
(nor any temporary file) left behind."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import mock_vendors  # noqa: E402

POLYVOX = None


def block(**fields):
    b = {"text": "Hello there."}
    b.update(fields)
    return b


CASES = {
    "missing_blocks": ({"project_id": "x"}, "blocks: is required"),
    "empty_blocks": ({"blocks": []}, "blocks: must contain at least 1 block"),
    "too_many_blocks": ({"blocks": [block()] * 1001}, "blocks: must contain at most 1000 blocks"),
    "empty_text": ({"blocks": [block(), block(text="")]}, "blocks[1].text: must not be empty"),
    "whitespace_text": ({"blocks": [block(text=" \n\t ")]}, "blocks[0].text: must not be empty"),
    "missing_text": ({"blocks": [{"voice": "en"}]}, "blocks[0].text: is required"),
    "too_long_text": ({"blocks": [block(text="a" * 5001)]}, "blocks[0].text: must be at most 5000"),
    "negative_pause": ({"blocks": [block(wait_after_ms=-5)]},
                       "blocks[0].wait_after_ms: must be between 0 and 60000"),
    "huge_pause": ({"blocks": [block()] * 3 + [block(wait_after_ms=10**9)]},
                   "blocks[3].wait_after_ms: must be between 0 and 60000"),
    "pause_as_string": ({"blocks": [block(wait_after_ms="250")]},
                        "blocks[0].wait_after_ms: must be an integer"),
    "arabic_as_string": ({"blocks": [block(arabic="yes")]}, "blocks[0].arabic: must be a boolean"),
    "text_as_number": ({"blocks": [block(text=12)]}, "blocks[0].text: must be a string"),
    "unknown_provider": ({"blocks": [block(provider="acme")]},
                         "blocks[0].provider: provider 'acme' cannot be used (unknown provider); "
                         "available providers: espeak, flite"),
    "unknown_voice": ({"blocks": [block(provider="flite", voice="nobody")]},
                      "blocks[0].voice: unknown voice 'nobody' for provider 'flite'; "
                      "available voices include: slt, rms, awb"),
    "unknown_field": ({"blocks": [block(pitch=1.5)]}, "blocks[0].pitch: unknown field"),
    "speed_too_fast": ({"blocks": [block(), block(speed=9)]},
                       "blocks[1].speed: must be between 0.25 and 4.0, got 9"),
    "speed_as_string": ({"blocks": [block(speed="fast")]},
                        "blocks[0].speed: must be a number, got a string"),
    "unknown_top_field": ({"blocks": [block()], "priority": 1}, "priority: unknown field"),
}

RAW_CASES = {
    "malformed_json": (b'{"blocks": [\n  {"text": "a",}\n]}', "malformed JSON at line 2, column 16"),
    "truncated_json": (b'{"blocks": [{"text": "a"', "malformed JSON at line 1"),
    "invalid_utf8": (b'{"blocks": [{"text": "caf\xe9"}]}', "invalid UTF-8 at line 1, column 26"),
    "empty_file": (b"", "malformed JSON"),
    # Beyond what a double holds: the JSON library refused it and synth aborted.
    "number_out_of_range": (b'{"blocks": [{"text": "a"}, {"text": "b", "wait_after_ms": -1e400}]}',
                            "blocks[1].wait_after_ms: number is out of range"),
}


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.dir.name, "out.mp3")

    def tearDown(self):
        self.dir.cleanup()

    def synth(self, job_bytes, out=None):
        job = os.path.join(self.dir.name, "job.json")
        with open(job, "wb") as f:
            f.write(job_bytes)
        return subprocess.run([POLYVOX, "synth", job, "-o", out or self.out, "--manifest",
                               os.path.join(self.dir.name, "m.json")], capture_output=True)

    def assert_rejected(self, result, expected):
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 2, stderr)
        self.assertIn(expected, stderr)
        self.assertEqual(sorted(os.listdir(self.dir.name)), ["job.json"], "files left behind")

    def test_each_invalid_job_is_rejected_naming_the_field(self):
        for name, (job, expected) in CASES.items():
            with self.subTest(name):
                self.assert_rejected(self.synth(json.dumps(job).encode()), expected)

    def test_each_malformed_document_is_rejected_with_its_position(self):
        for name, (raw, expected) in RAW_CASES.items():
            with self.subTest(name):
                self.assert_rejected(self.synth(raw), expected)

    def test_every_problem_is_reported_at_once(self):
        # Only the first was: one run per mistake.
        job = {"blocks": [block(wait_after_ms=-5), block(text="..."), block(speed=9)]}
        stderr = self.synth(json.dumps(job).encode()).stderr.decode()
        self.assertEqual(
            [line.split(": ")[1] for line in stderr.splitlines()],
            ["blocks[0].wait_after_ms", "blocks[1].text", "blocks[2].speed"], stderr)
        self.assertIn("previous block's wait_after_ms", stderr)

    def test_unwritable_output_path_is_rejected(self):
        result = self.synth(json.dumps({"blocks": [block()]}).encode(),
                            out=os.path.join(self.dir.name, "missing-dir", "out.mp3"))
        self.assert_rejected(result, "output: cannot write")

    def test_missing_job_file_is_rejected(self):
        result = subprocess.run([POLYVOX, "synth", os.path.join(self.dir.name, "nope.json"),
                                 "-o", self.out], capture_output=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("cannot read", result.stderr.decode())
        self.assertFalse(os.path.exists(self.out))

    def test_a_format_that_disagrees_with_the_extension_is_refused_naming_both(self):
        job = os.path.join(self.dir.name, "job.json")
        with open(job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [block()]}, f)
        out = os.path.join(self.dir.name, "out.wav")
        result = subprocess.run([POLYVOX, "synth", job, "-o", out, "--format", "mp3"],
                                capture_output=True)
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 2, stderr)
        self.assertIn("--format: 'mp3' does not match the output", stderr)
        self.assertIn("out.wav', whose extension names wav", stderr)
        self.assertEqual(sorted(os.listdir(self.dir.name)), ["job.json"], "files left behind")

    def test_a_directory_as_an_output_is_exit_2_before_any_rendering(self):
        # The rename that ends the write failed only after the whole job: exit 1, and with
        # --subtitles a directory, the audio written and no subtitles.
        job = os.path.join(self.dir.name, "job.json")
        with open(job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [block()]}, f)
        sub, cues = os.path.join(self.dir.name, "sub"), os.path.join(self.dir.name, "cues.vtt")
        os.mkdir(sub)
        os.mkdir(cues)
        for args, field in ((["-o", sub], "output"), (["-o", sub + "/"], "output"),
                            (["-o", self.out, "--subtitles", cues], "subtitles"),
                            (["-o", self.out, "--manifest", sub], "manifest")):
            with self.subTest(args=args):
                result = subprocess.run([POLYVOX, "synth", job, *args], capture_output=True)
                stderr = result.stderr.decode()
                self.assertEqual(result.returncode, 2, stderr)
                self.assertIn(field + ": ", stderr)
                self.assertIn("is a directory", stderr)
                self.assertEqual(sorted(os.listdir(self.dir.name)), ["cues.vtt", "job.json", "sub"])
                self.assertEqual(os.listdir(sub) + os.listdir(cues), [])

    def test_an_mp3_bitrate_whose_frames_cannot_hold_the_info_tag_is_refused_at_start(self):
        job = os.path.join(self.dir.name, "job.json")
        with open(job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [block()]}, f)
        env = dict(os.environ, MP3_BITRATE_KBPS="48", OUTPUT_SAMPLE_RATE="44100")
        result = subprocess.run([POLYVOX, "synth", job, "-o", self.out], env=env,
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("MP3_BITRATE_KBPS", result.stderr)
        self.assertIn("must be at least 56", result.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_diacritize_refuses_a_directory_naming_it(self):
        # std::ifstream opens a directory, and its first read fails like an end of file: exit 0
        # with no output and no message.
        result = subprocess.run([POLYVOX, "diacritize", self.dir.name], capture_output=True,
                                text=True)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("is a directory", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_bad_command_line_is_exit_2(self):
        result = subprocess.run([POLYVOX, "synth", "--format", "ogg", "x.json", "-o", self.out],
                                capture_output=True)
        self.assertEqual(result.returncode, 2)

    def test_audio_that_cannot_be_written_leaves_no_manifest_or_subtitles(self):
        # The manifest and subtitles were renamed into place before the audio was written: a
        # closed stdout (| head) left them describing audio that was never delivered.
        job = os.path.join(self.dir.name, "job.json")
        with open(job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [block()]}, f)
        read_end, write_end = os.pipe()
        os.close(read_end)  # every write to stdout fails (EPIPE)
        try:
            result = subprocess.run([POLYVOX, "synth", job, "-o", "-",
                                     "--manifest", os.path.join(self.dir.name, "m.json"),
                                     "--subtitles", os.path.join(self.dir.name, "s.vtt")],
                                    stdout=write_end, stderr=subprocess.PIPE)
        finally:
            os.close(write_end)
        self.assertNotEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"cannot write the audio to stdout", result.stderr)
        self.assertEqual(sorted(os.listdir(self.dir.name)), ["job.json"], "files left behind")

    def test_a_speed_that_is_not_a_number_is_exit_2_naming_the_option(self):
        # CLI11's range check let "nan" through: the job failed later, exit 1 with an SQL error.
        job = os.path.join(self.dir.name, "job.json")
        with open(job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [block()]}, f)
        for speed in ["nan", "-nan", "inf", "9"]:
            with self.subTest(speed=speed):
                result = subprocess.run([POLYVOX, "synth", job, "-o", self.out, "--speed", speed],
                                        capture_output=True)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("--speed", result.stderr.decode())
                self.assertFalse(os.path.exists(self.out))


class VersionTest(unittest.TestCase):
    def test_version_names_the_revision_and_what_is_built_in(self):
        result = subprocess.run([POLYVOX, "--version"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        first = re.fullmatch(r"polyvox (\d+\.\d+\.\d+) \(revision ([0-9a-f]{12}(\+dirty)?|unknown)\)",
                             lines[0])
        self.assertIsNotNone(first, lines[0])
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        head = subprocess.run(["git", "-C", source, "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True)
        if head.returncode == 0:
            # Built from this checkout: the revision is its HEAD, or one of HEAD's ancestors when
            # commits landed after the build (a developer's tree; never in CI's fresh clone).
            revision = first.group(2).split("+")[0]
            self.assertNotEqual(revision, "unknown")
            built_from = subprocess.run(
                ["git", "-C", source, "merge-base", "--is-ancestor", revision, "HEAD"])
            self.assertEqual(built_from.returncode, 0,
                             f"{revision} is not HEAD ({head.stdout.strip()}) or its ancestor")
        text = result.stdout
        for expected in ("job stores: sqlite 3.", "redis", "blob stores: local, s3, cloudinary",
                         "local voices: espeak, flite", "openai", "diacritizers: embedded"):
            self.assertIn(expected, text)


class InterruptTest(unittest.TestCase):
    """Ctrl-C (SIGINT) or SIGTERM while blocks render: the pool stops, the scratch directory and
    the pending output files are removed, exit 128 + the signal; a second one quits at once."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.vendor = mock_vendors.OpenAiMock().start()
        self.out = os.path.join(self.dir.name, "out")  # the outputs alone: synth's cache is in var/
        os.mkdir(self.out)
        self.job = os.path.join(self.dir.name, "job.json")

    def tearDown(self):
        self.vendor.release()
        self.vendor.stop()
        self.dir.cleanup()

    def start_synth_held_by_the_vendor(self, text):
        """`polyvox synth` whose one block (`text`: the audio of a held request that ends after
        the interruption is still cached) waits in the vendor's held request."""
        with open(self.job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [{"text": text, "provider": "openai", "voice": "alloy"}]}, f)
        self.vendor.reset()
        self.vendor.fail_next("hold")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "POLYVOX_"))}
        env.update(mock_vendors.provider_env({"openai": self.vendor}))
        proc = subprocess.Popen(
            [POLYVOX, "synth", self.job, "-o", os.path.join(self.out, "out.mp3"),
             "--manifest", os.path.join(self.out, "out.json"), "--subtitles",
             os.path.join(self.out, "out.vtt")],
            cwd=self.dir.name, env=env, stderr=subprocess.PIPE, text=True)
        self.addCleanup(proc.stderr.close)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.assertTrue(self.vendor.wait_for_requests(1, timeout=30), "the block never started")
        return proc

    def read_until(self, proc, text):
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if text in line:
                return "".join(lines)
        self.fail(f"{text!r} never said; stderr: {''.join(lines)}")

    def test_a_stop_signal_mid_render_removes_every_file_and_exits_128_plus_it(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name):
                proc = self.start_synth_held_by_the_vendor("Held, then " + sig.name + ".")
                # Every pending file and the scratch directory exist while the block renders.
                self.assertGreater(len(os.listdir(self.out)), 0)
                proc.send_signal(sig)
                said = self.read_until(proc, "stopping (" + sig.name + ")")
                self.vendor.release()  # the block in progress ends: its late audio is dropped
                said += proc.stderr.read()
                self.assertEqual(proc.wait(timeout=60), 128 + sig, said)
                self.assertIn("interrupted; nothing written", said)
                self.assertEqual(os.listdir(self.out), [], "files left behind")

    def test_a_second_ctrl_c_quits_at_once(self):
        proc = self.start_synth_held_by_the_vendor("Held, then two Ctrl-C.")
        proc.send_signal(signal.SIGINT)
        self.read_until(proc, "stopping (SIGINT)")
        proc.send_signal(signal.SIGINT)  # the vendor still holds the block
        self.assertEqual(proc.wait(timeout=30), -signal.SIGINT)


class UsersOutsideTheProjectTest(unittest.TestCase):
    """`polyvox users`/`keys` run where there is no database: refused, naming the file looked
    for, and nothing created; `users add --create` starts one."""

    def run_in(self, cwd, *args):
        env = {k: v for k, v in os.environ.items()
               if k not in ("POLYVOX_DATA_DIR", "REDIS_URL", "POLYVOX_CONFIG")}
        return subprocess.run([POLYVOX, *args], cwd=cwd, env=env, capture_output=True, text=True)

    def test_no_database_is_made_unless_asked(self):
        with tempfile.TemporaryDirectory() as cwd:
            db = os.path.join(os.path.realpath(cwd), "var", "polyvox.db")
            for args in (("users", "list"), ("users", "add", "bob", "--password", "bob-pass-1"),
                         ("users", "remove", "bob"), ("keys", "list")):
                result = self.run_in(cwd, *args)
                self.assertEqual(result.returncode, 2, (args, result.stderr))
                self.assertIn("no database at " + db, result.stderr)
                self.assertIn("--create", result.stderr)
                self.assertEqual(os.listdir(cwd), [], f"{args} left files behind")
            made = self.run_in(cwd, "users", "add", "bob", "--password", "bob-pass-1", "--create")
            self.assertEqual(made.returncode, 0, made.stderr)
            self.assertIn("data directory " + os.path.join(os.path.realpath(cwd), "var") +
                          " (SQLite)", made.stderr)
            listed = self.run_in(cwd, "users", "list")
            self.assertEqual(listed.returncode, 0, listed.stderr)
            self.assertTrue(listed.stdout.startswith("bob\tuser\t"), listed.stdout)


if __name__ == "__main__":
    POLYVOX = sys.argv.pop(1)
    unittest.main(verbosity=2)
