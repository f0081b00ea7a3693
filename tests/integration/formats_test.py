#!/usr/bin/env python3
"""Every output format end to end through the service, on both backends (SQLite in `polyvox
serve`; Redis with an API node and a worker node): the final file's codec, rate and channels
(ffprobe), its decoded samples against a WAV job of the same blocks at the same rate (lossless
formats: identical; Opus and M4A: the same length and aligned to the sample, their priming
compensated by the container; ADTS AAC: the 1024 samples of priming it cannot declare, stated),
the manifest's positions, a block's audio in the job's format, the progressive stream against
the final file, and the validation errors of bad format/rate/bitrate combinations."""
import array
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from polyvox_server import Server  # noqa: E402
from redis_cluster import Cluster  # noqa: E402

BINARY = None
AAC_PRIMING = 1024  # the native aac encoder's delay; ADTS cannot declare it
AAC_FRAME = 1024

BLOCKS = [
    {"text": "The first block of every format.", "provider": "espeak", "wait_after_ms": 250},
    {"text": "A second one, with a longer pause after it.", "provider": "espeak",
     "wait_after_ms": 400},
    {"text": "And the last block.", "provider": "espeak", "wait_after_ms": 120},
]

# name: (output_format, sample_rate, bitrate_kbps, codec_name, content type, reference rate)
CASES = {
    "mp3": ("mp3", None, None, "mp3", "audio/mpeg", 44100),
    "mp3_24k": ("mp3", 24000, 64, "mp3", "audio/mpeg", 24000),
    "flac": ("flac", None, None, "flac", "audio/flac", 44100),
    "opus": ("opus", None, 48, "opus", "audio/ogg", 48000),
    "aac": ("aac", None, 128, "aac", "audio/aac", 44100),
    "m4a": ("m4a", 48000, None, "aac", "audio/mp4", 48000),
    "pcm": ("pcm", 24000, None, None, "audio/pcm", 24000),
}
REFERENCE_RATES = (24000, 44100, 48000)


def job(fmt, rate=None, bitrate=None):
    doc = {"output_format": fmt, "blocks": BLOCKS}
    if rate:
        doc["sample_rate"] = rate
    if bitrate:
        doc["bitrate_kbps"] = bitrate
    return doc


def probe(data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", f.name],
                             capture_output=True, check=True)
    return json.loads(out.stdout)["streams"][0]


def decode(data, fmt, rate):
    """Mono s16 samples as FFmpeg decodes them at `rate` (raw pcm: as they are)."""
    if fmt == "pcm":
        return array.array("h", data)
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffmpeg", "-v", "error", "-i", f.name, "-f", "s16le", "-ac", "1",
                              "-ar", str(rate), "-"], capture_output=True)
    if out.returncode != 0:
        raise AssertionError(out.stderr.decode())
    return array.array("h", out.stdout)


def misfit(decoded, reference, lag, start, length):
    """Mean squared difference of decoded[i + lag] and reference[i] over a window."""
    total = 0
    for i in range(start, start + length):
        d = decoded[i + lag] - reference[i]
        total += d * d
    return total / length


def best_lag(decoded, reference, lags):
    start = len(reference) // 3  # speech of the second block, far from both ends
    return min(lags, key=lambda lag: misfit(decoded, reference, lag, start, 6000))


class FormatsCase:
    """Runs against self.api (and its token) set up by a backend's setUpClass."""

    @classmethod
    def submit_all(cls):
        cls.refs = {rate: cls.api.submit(cls.token, job("wav", rate)) for rate in REFERENCE_RATES}
        cls.ids = {name: cls.api.submit(cls.token, job(fmt, rate, kbps))
                   for name, (fmt, rate, kbps, *_rest) in CASES.items()}
        for job_id in list(cls.refs.values()) + list(cls.ids.values()):
            status = cls.api.wait_for(cls.token, job_id, timeout=180)
            assert status["status"] == "completed", status
        cls.ref_pcm = {}
        for rate, job_id in cls.refs.items():
            res = cls.api.request("GET", f"/result/{job_id}/audio", token=cls.token)
            cls.ref_pcm[rate] = decode(res.body, "wav", rate)

    def get(self, path):
        res = self.api.request("GET", path, token=self.token, timeout=60)
        self.assertEqual(res.status, 200, res)
        return res

    def check_aligned(self, name, decoded, reference, fragmented=False):
        fmt = CASES[name][0]
        if fmt in ("flac", "pcm", "wav"):
            self.assertEqual(decoded, reference)
        elif fmt == "opus":
            self.assertEqual(len(decoded), len(reference))  # priming and padding both trimmed
            self.assertEqual(best_lag(decoded, reference, (-576, -312, 0, 312, 576)), 0)
        elif fmt == "m4a" and not fragmented:
            # The edit list skips the priming; FFmpeg plays the last frame to its end.
            self.assertGreaterEqual(len(decoded), len(reference))
            self.assertLess(len(decoded), len(reference) + AAC_FRAME)
            self.assertEqual(best_lag(decoded, reference, (-1024, 0, 1024)), 0)
        else:  # ADTS, fragmented MP4: 1024 samples of priming first, the last frame whole
            frames = -(-(len(reference) + AAC_PRIMING) // AAC_FRAME)
            self.assertEqual(len(decoded), frames * AAC_FRAME)
            self.assertEqual(best_lag(decoded, reference, (0, AAC_PRIMING, 2 * AAC_PRIMING)),
                             AAC_PRIMING)

    def test_final_file_of_every_format(self):
        for name, (fmt, rate, kbps, codec, mime, ref_rate) in CASES.items():
            with self.subTest(format=name):
                res = self.get(f"/result/{self.ids[name]}/audio")
                self.assertEqual(res.headers["content-type"], mime)
                reference = self.ref_pcm[ref_rate]
                if codec:
                    stream = probe(res.body)
                    self.assertEqual(stream["codec_name"], codec)
                    self.assertEqual(int(stream["sample_rate"]), ref_rate)
                    self.assertEqual(stream["channels"], 1)
                    if name == "m4a":  # the container's own duration, to the sample
                        self.assertEqual(int(stream["duration_ts"]), len(reference))
                    if kbps and fmt != "opus":  # opus is VBR: its nominal rate is not stored
                        self.assertAlmostEqual(int(stream["bit_rate"]) / 1000, kbps,
                                               delta=kbps * 0.25)
                decoded = decode(res.body, fmt, ref_rate)
                if fmt == "mp3":  # its blocks are frame-aligned: the manifest says how long
                    manifest = self.get(f"/result/{self.ids[name]}").json()["manifest"]
                    self.assertEqual(len(decoded), round(manifest["duration_ms"] * ref_rate / 1000))
                else:
                    self.check_aligned(name, decoded, reference)

    def test_manifest_positions_at_the_jobs_rate(self):
        for name, (fmt, rate, kbps, codec, mime, ref_rate) in CASES.items():
            with self.subTest(format=name):
                manifest = self.get(f"/result/{self.ids[name]}").json()["manifest"]
                self.assertEqual(manifest["format"], fmt)
                self.assertEqual(manifest["sample_rate"], ref_rate)
                if fmt != "mp3":  # mp3 blocks are extended to whole frames (audio/segment.h)
                    reference = self.get(f"/result/{self.refs[ref_rate]}").json()["manifest"]
                    # The same blocks at the same rate: the same positions as the WAV job's.
                    self.assertEqual(manifest["blocks"], reference["blocks"])
                    self.assertEqual(manifest["duration_ms"],
                                     round(1000 * len(self.ref_pcm[ref_rate]) / ref_rate, 3))
                end = 0
                for block in manifest["blocks"]:
                    self.assertAlmostEqual(block["offset_ms"], end, delta=0.002)
                    end = block["offset_ms"] + block["speech_ms"] + block["pause_ms"]
                self.assertAlmostEqual(end, manifest["duration_ms"], delta=0.002)

    def test_block_audio_in_the_jobs_format(self):
        for name, (fmt, rate, kbps, codec, mime, ref_rate) in CASES.items():
            with self.subTest(format=name):
                res = self.get(f"/result/{self.ids[name]}/block/1/audio")
                self.assertEqual(res.headers["content-type"], mime)
                self.assertIn(f'block_1.{fmt}"', res.headers["content-disposition"])
                if codec:
                    self.assertEqual(probe(res.body)["codec_name"], codec)
                manifest = self.get(f"/result/{self.refs[ref_rate]}").json()["manifest"]
                b = manifest["blocks"][1]
                start = round(b["offset_ms"] * ref_rate / 1000)
                length = round((b["speech_ms"] + b["pause_ms"]) * ref_rate / 1000)
                expected = self.ref_pcm[ref_rate][start:start + length]
                decoded = decode(res.body, fmt, ref_rate)
                if fmt in ("flac", "pcm"):
                    self.assertEqual(decoded, expected)
                elif fmt != "mp3":  # a block of an mp3 job is its own gapless segment
                    self.assertGreaterEqual(len(decoded), len(expected))
                    self.assertLessEqual(len(decoded), len(expected) + 2 * AAC_FRAME)
                # Asked again, the same bytes (the entity tag holds).
                again = self.api.request("GET", f"/result/{self.ids[name]}/block/1/audio",
                                         token=self.token,
                                         headers={"If-None-Match": res.headers["etag"]})
                self.assertEqual(again.status, 304)

    def test_stream_decodes_to_the_final_files_audio(self):
        for name, (fmt, rate, kbps, codec, mime, ref_rate) in CASES.items():
            if fmt == "mp3":
                continue  # stream_test.py: MP3 and WAV streams
            with self.subTest(format=name):
                res = self.get(f"/result/{self.ids[name]}/stream")
                self.assertEqual(res.headers["content-type"], mime)
                final = self.get(f"/result/{self.ids[name]}/audio")
                streamed = decode(res.body, fmt, ref_rate)
                decoded_final = decode(final.body, fmt, ref_rate)
                if fmt in ("flac", "pcm", "opus", "aac"):
                    # The same encoder fed the same frames: the same audio, sample for sample.
                    self.assertEqual(streamed, decoded_final)
                else:  # fragmented MP4: the same frames, no edit list (FFmpeg 5.1 writes none)
                    self.check_aligned(name, streamed, self.ref_pcm[ref_rate], fragmented=True)


class EmbeddedFormatsTest(FormatsCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = Server(BINARY, WORKER_CONCURRENCY=2).start()
        cls.token = cls.api.login()
        cls.submit_all()

    @classmethod
    def tearDownClass(cls):
        cls.api.close()

    def test_bad_format_rate_and_bitrate_name_the_field(self):
        cases = [
            ({"output_format": "ogg"}, "output_format"),
            ({"output_format": "opus", "sample_rate": 44100}, "sample_rate"),
            ({"output_format": "mp3", "sample_rate": 16000}, "sample_rate"),
            ({"output_format": "aac", "sample_rate": 96000}, "sample_rate"),
            ({"output_format": "flac", "sample_rate": 7999}, "sample_rate"),
            ({"output_format": "flac", "bitrate_kbps": 128}, "bitrate_kbps"),
            ({"output_format": "pcm", "bitrate_kbps": 64}, "bitrate_kbps"),
            ({"output_format": "mp3", "sample_rate": 24000, "bitrate_kbps": 320}, "bitrate_kbps"),
            ({"output_format": "mp3", "bitrate_kbps": 100}, "bitrate_kbps"),
            # Frames too small for the gapless Info tag: every block failed ("no Info tag").
            ({"output_format": "mp3", "bitrate_kbps": 48}, "bitrate_kbps"),  # at 44.1 kHz
            ({"output_format": "mp3", "sample_rate": 24000, "bitrate_kbps": 56}, "bitrate_kbps"),
            ({"output_format": "opus", "bitrate_kbps": 512}, "bitrate_kbps"),
            ({"output_format": "m4a", "bitrate_kbps": 8}, "bitrate_kbps"),
            ({"output_format": "wav", "sample_rate": "44100"}, "sample_rate"),
            ({"output_format": "wav", "sample_rate": 44100.5}, "sample_rate"),
        ]
        for extra, field in cases:
            with self.subTest(extra=extra):
                res = self.api.request("POST", "/tts", dict(blocks=BLOCKS[:1], **extra),
                                       token=self.token)
                self.assertEqual(res.status, 400, res)
                error = res.json()["error"]
                self.assertEqual(error["code"], "VALIDATION_ERROR")
                self.assertEqual(error["field"], field)

    def test_synth_writes_every_format(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "job.json")
            with open(path, "w") as f:
                json.dump({"blocks": BLOCKS[:2]}, f)
            for fmt, codec in (("flac", "flac"), ("opus", "opus"), ("m4a", "aac")):
                with self.subTest(format=fmt):
                    out = os.path.join(tmp, "out." + fmt)
                    done = subprocess.run([BINARY, "synth", path, "-o", out, "--format", fmt,
                                           "--sample-rate", "48000"],
                                          capture_output=True, text=True, env=self.api.env,
                                          cwd=tmp)
                    self.assertEqual(done.returncode, 0, done.stderr)
                    with open(out, "rb") as f:
                        stream = probe(f.read())
                    self.assertEqual(stream["codec_name"], codec)
                    self.assertEqual(int(stream["sample_rate"]), 48000)
            bad = subprocess.run([BINARY, "synth", path, "-o", os.path.join(tmp, "x.opus"),
                                  "--format", "opus", "--sample-rate", "44100"],
                                 capture_output=True, text=True, env=self.api.env, cwd=tmp)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("--sample-rate", bad.stderr)


class DistributedFormatsTest(FormatsCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(BINARY, apis=1, workers=1)
        cls.api = cls.cluster.apis[0]
        cls.token = cls.api.login()
        cls.submit_all()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
