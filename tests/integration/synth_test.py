#!/usr/bin/env python3
"""`polyvox synth` end to end: a mixed espeak/flite job rendered by the real binary and checked
from outside with ffmpeg/ffprobe: duration vs manifest, decode errors, silence in pauses, loudness
of each block."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from array import array

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synth_parity import service_and_synth  # noqa: E402

POLYVOX = None
RATE = 44100

MIXED_JOB = {
    "project_id": "integration",
    "blocks": [
        {"text": "Chapter one. The quick brown fox jumps over the lazy dog!", "provider": "espeak",
         "voice": "en-us", "wait_after_ms": 700},
        {"text": "In 2024, about 3.5 million listeners paid $12.99 a month; that's 42% more.",
         "provider": "flite", "voice": "slt", "wait_after_ms": 300},
        {"text": "Bonjour ! Comment allez-vous aujourd'hui ? Très bien, merci.", "provider": "espeak",
         "voice": "fr", "wait_after_ms": 2500},
        {"text": "مرحبا بكم في هذا الكتاب الصوتي، نتمنى لكم استماعا ممتعا", "provider": "espeak",
         "voice": "ar", "arabic": True, "wait_after_ms": 400},
        {"text": "Guten Morgen, wie geht es Ihnen heute?", "provider": "espeak", "voice": "de",
         "wait_after_ms": 0},
        {"text": "And now, a different voice: rms, reading the numbers 1, 2, 3 and 4.",
         "provider": "flite", "voice": "rms", "wait_after_ms": 3000},
        {"text": "Hola, ¿qué tal? Esto es una prueba.", "provider": "espeak", "voice": "es",
         "wait_after_ms": 150},
        {"text": "The end... or is it? Thank you for listening.", "provider": "flite",
         "voice": "awb", "wait_after_ms": 500},
    ],
}


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, **kwargs)


def decode_samples(path):
    """Decoded mono s16 samples as ffmpeg sees them (gapless info honoured)."""
    out = run(["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", "1", "-"], check=True)
    samples = array("h")
    samples.frombytes(out.stdout)
    return samples


def is_mark(c):
    """An Arabic diacritic (harakat, tanwin, shadda, sukun, superscript alef)."""
    return "\u064b" <= c <= "\u0652" or c == "\u0670"


def decode_samples_of_bytes(data):
    """(number of decoded samples, ffmpeg's error output) for an audio file's bytes."""
    out = run(["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-"],
              input=data)
    return len(out.stdout) // 2, out.stderr.decode()


def block_loudness(path, start_s, end_s):
    """Integrated loudness (LUFS) of [start_s, end_s) measured by ffmpeg's ebur128 filter."""
    out = run(["ffmpeg", "-nostats", "-i", path, "-af",
               f"atrim=start={start_s}:end={end_s},ebur128", "-f", "null", "-"], check=True)
    summary = out.stderr.decode().split("Summary:")[-1]
    return float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))


class SynthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.job_path = os.path.join(cls.dir.name, "job.json")
        with open(cls.job_path, "w", encoding="utf-8") as f:
            json.dump(MIXED_JOB, f, ensure_ascii=False)
        cls.mp3 = os.path.join(cls.dir.name, "out.mp3")
        cls.manifest_path = os.path.join(cls.dir.name, "out.json")
        result = run([POLYVOX, "synth", cls.job_path, "-o", cls.mp3, "--manifest", cls.manifest_path])
        if result.returncode != 0:
            raise AssertionError(f"synth failed ({result.returncode}): {result.stderr.decode()}")
        with open(cls.manifest_path, encoding="utf-8") as f:
            cls.manifest = json.load(f)
        cls.samples = decode_samples(cls.mp3)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_manifest_describes_every_block_in_order(self):
        m = self.manifest
        self.assertEqual(m["format"], "mp3")
        self.assertEqual(m["sample_rate"], RATE)
        self.assertEqual([b["index"] for b in m["blocks"]], list(range(len(MIXED_JOB["blocks"]))))
        offset = 0.0
        for block, spec in zip(m["blocks"], MIXED_JOB["blocks"]):
            self.assertEqual(block["provider"], spec["provider"])
            self.assertEqual(block["pause_ms"], spec["wait_after_ms"])
            self.assertAlmostEqual(block["offset_ms"], offset, delta=0.01)
            self.assertGreater(block["speech_ms"], 500)
            offset += block["speech_ms"] + block["pause_ms"]
        self.assertAlmostEqual(m["duration_ms"], offset, delta=0.01)

    def test_the_manifest_shows_what_the_arabic_block_spoke(self):
        spoken = {b["index"]: b.get("spoken_text") for b in self.manifest["blocks"]}
        arabic = [i for i, spec in enumerate(MIXED_JOB["blocks"]) if spec.get("arabic")]
        self.assertEqual([i for i, text in spoken.items() if text is not None], arabic)
        for i in arabic:
            text = spoken[i]
            marks = [c for c in text if is_mark(c)]
            self.assertGreater(len(marks), 5, text)  # diacritized
            bare = "".join(c for c in text if not is_mark(c))
            self.assertEqual(bare, MIXED_JOB["blocks"][i]["text"])

    def test_decodes_without_errors(self):
        result = run(["ffmpeg", "-v", "error", "-i", self.mp3, "-f", "null", "-"])
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stderr.decode(), "")

    def test_decoded_duration_matches_manifest(self):
        decoded_ms = len(self.samples) * 1000.0 / RATE
        self.assertAlmostEqual(decoded_ms, self.manifest["duration_ms"], delta=30)

    def test_container_reports_the_right_duration(self):
        # ffprobe takes the duration from the Info tag's frame count, without the encoder's
        # delay and padding (together at most 576 + 1728 samples, 52 ms).
        out = run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                   self.mp3], check=True)
        excess = float(out.stdout) * 1000.0 - self.manifest["duration_ms"]
        self.assertGreaterEqual(excess, 0)
        self.assertLess(excess, 53)

    def test_pauses_are_digital_silence(self):
        for block in self.manifest["blocks"]:
            if block["pause_ms"] < 100:
                continue
            start = int((block["offset_ms"] + block["speech_ms"] + 20) * RATE / 1000)
            end = int((block["offset_ms"] + block["speech_ms"] + block["pause_ms"] - 20) * RATE / 1000)
            peak = max(abs(s) for s in self.samples[start:end])
            # -60 dBFS is 32.8 in 16-bit samples.
            self.assertLess(peak, 32, f"pause after block {block['index']} peaks at {peak}")

    def test_every_block_is_at_the_target_loudness(self):
        for block in self.manifest["blocks"]:
            start = block["offset_ms"] / 1000.0
            end = start + block["speech_ms"] / 1000.0
            lufs = block_loudness(self.mp3, start, end)
            self.assertAlmostEqual(lufs, -16.0, delta=1.0, msg=f"block {block['index']}")

    def test_wav_output_has_exact_duration(self):
        wav = os.path.join(self.dir.name, "out.wav")
        manifest = os.path.join(self.dir.name, "wav.json")
        result = run([POLYVOX, "synth", self.job_path, "-o", wav, "--format", "wav",
                      "--manifest", manifest])
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        with open(manifest, encoding="utf-8") as f:
            m = json.load(f)
        self.assertEqual(m["format"], "wav")
        samples = decode_samples(wav)
        self.assertAlmostEqual(len(samples) * 1000.0 / RATE, m["duration_ms"], delta=0.05)

    def test_the_output_extension_chooses_the_format(self):
        job = os.path.join(self.dir.name, "short.json")
        with open(job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [{"text": "Which format am I?", "provider": "espeak"}]}, f)
        for name, magic in (("x.wav", b"RIFF"), ("x.flac", b"fLaC"), ("x.ogg", b"OggS"),
                            ("x.mp3", b"\xff"), ("X.WAV", b"RIFF")):
            with self.subTest(name):
                out = os.path.join(self.dir.name, name)
                result = run([POLYVOX, "synth", job, "-o", out])
                self.assertEqual(result.returncode, 0, result.stderr.decode())
                with open(out, "rb") as f:
                    head = f.read(4)
                self.assertTrue(head.startswith(magic), (name, head))
                os.remove(out)

    def test_dash_writes_the_audio_to_stdout_and_nothing_else(self):
        job = os.path.join(self.dir.name, "stdout.json")
        with open(job, "w", encoding="utf-8") as f:
            json.dump({"blocks": [{"text": "Straight to standard output.", "provider": "flite"}]},
                      f)
        reference = os.path.join(self.dir.name, "reference.wav")
        self.assertEqual(run([POLYVOX, "synth", job, "-o", reference]).returncode, 0)
        result = run([POLYVOX, "synth", job, "-o", "-", "--format", "wav"], cwd=self.dir.name)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        with open(reference, "rb") as f:
            self.assertEqual(result.stdout, f.read())
        self.assertFalse(os.path.exists(os.path.join(self.dir.name, "-")))
        # Without --format: the job's own format (mp3 here), as no extension names one.
        result = run([POLYVOX, "synth", job, "-o", "-"], cwd=self.dir.name)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        samples, errors = decode_samples_of_bytes(result.stdout)
        self.assertEqual(errors, "")
        self.assertGreater(samples, RATE // 2)

    def test_many_short_blocks_keep_exact_timing(self):
        job = {"blocks": [{"text": f"Item {i}.", "provider": "espeak" if i % 2 else "flite",
                           "wait_after_ms": (i * 37) % 300} for i in range(120)]}
        out = os.path.join(self.dir.name, "many.mp3")
        manifest = os.path.join(self.dir.name, "many.json")
        result = run([POLYVOX, "synth", "-", "-o", out, "--manifest", manifest],
                     input=json.dumps(job).encode())
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        with open(manifest, encoding="utf-8") as f:
            m = json.load(f)
        self.assertEqual(len(m["blocks"]), 120)
        decoded_ms = len(decode_samples(out)) * 1000.0 / RATE
        self.assertAlmostEqual(decoded_ms, m["duration_ms"], delta=30)

    def test_each_block_speaks_at_its_speed_and_synth_speed_sets_them_all(self):
        text = "The quick brown fox jumps over the lazy dog, then it runs into the woods."
        # 3.0 is beyond espeak-ng's own 2.57: asked for 2.57, the rest a time stretch.
        job = {"blocks": [{"text": text, "provider": "espeak"},
                          {"text": text, "provider": "espeak", "speed": 3.0},
                          {"text": text, "provider": "flite", "speed": 0.5}]}
        speech = {}
        for label, extra in (("own", []), ("all", ["--speed", "2"])):
            out = os.path.join(self.dir.name, f"speed-{label}.mp3")
            manifest = os.path.join(self.dir.name, f"speed-{label}.json")
            result = run([POLYVOX, "synth", "-", "-o", out, "--manifest", manifest] + extra,
                         input=json.dumps(job).encode())
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            with open(manifest, encoding="utf-8") as f:
                speech[label] = [b["speech_ms"] for b in json.load(f)["blocks"]]
        normal, fast, _ = speech["own"]
        # Within 15%: the engines' pauses and the kept silence at the ends do not scale exactly.
        self.assertAlmostEqual(fast / normal, 1 / 3.0, delta=0.15 / 3.0)
        self.assertAlmostEqual(speech["all"][0] / normal, 0.5, delta=0.15 * 0.5)
        self.assertAlmostEqual(speech["all"][1] / normal, 0.5, delta=0.15 * 0.5)
        result = run([POLYVOX, "synth", "-", "-o", os.path.join(self.dir.name, "x.mp3"),
                      "--speed", "5"], input=json.dumps(job).encode())
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--speed", result.stderr.decode())

    def test_output_file_has_the_mode_of_a_new_file(self):
        # Written to a temporary file first (mode 0600) and renamed: the final mode follows
        # the umask like any new file's.
        mp3 = os.path.join(self.dir.name, "shared.mp3")
        result = run([POLYVOX, "synth", self.job_path, "-o", mp3],
                     preexec_fn=lambda: os.umask(0o022))
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(os.stat(mp3).st_mode & 0o777, 0o644)

    def test_leaves_no_scratch_files(self):
        leftovers = [n for n in os.listdir(self.dir.name) if n.startswith(".")]
        self.assertEqual(leftovers, [])


class SynthAndServiceParityTest(unittest.TestCase):
    """`polyvox synth` runs the service's pipeline: the same job and configuration give the same
    bytes and the same manifest from the CLI and from POST /tts (synth_parity.py)."""

    maxDiff = None

    def test_synth_and_the_service_make_identical_audio_and_manifests(self):
        for output_format in ("mp3", "wav"):
            with self.subTest(output_format=output_format):
                job = dict(MIXED_JOB, output_format=output_format)
                (manifest, audio), (synth_manifest, synth_audio) = service_and_synth(
                    POLYVOX, job, CACHE_ENABLED="false")
                self.assertEqual(synth_manifest, manifest)
                self.assertEqual(len(synth_audio), len(audio))
                self.assertTrue(synth_audio == audio, "the audio bytes differ")


if __name__ == "__main__":
    POLYVOX = sys.argv.pop(1)
    unittest.main(verbosity=2)
