#!/usr/bin/env python3
"""The server routes the studio needs, against the real `polyvox serve`: GET /result/{id}/peaks
(computed once from the job's segments, stored beside the final file, then served from there;
matching the final file as ffmpeg decodes it; owner-only) and POST /tts/preview (one short
block, answered with its audio as it renders, a job of its own counted in usage)."""
import array
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server  # noqa: E402

BINARY = None
SERVER = None
JOB = {"blocks": [{"text": "The first block of the waveform.", "provider": "espeak",
                   "wait_after_ms": 400},
                  {"text": "And the second one, spoken by flite.", "provider": "flite"}]}


def ffmpeg_samples(data):
    """The file's samples as ffmpeg decodes them (from a file, so that the MP3 Info tag's length
    is honoured): mono float32 at 44.1 kHz."""
    with tempfile.NamedTemporaryFile(suffix=".audio") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffmpeg", "-v", "error", "-i", f.name, "-f", "f32le", "-ac", "1",
                              "-ar", "44100", "pipe:1"], capture_output=True, check=True)
    samples = array.array("f")
    samples.frombytes(out.stdout)
    return samples


def setUpModule():
    global SERVER
    SERVER = Server(BINARY).start()


def tearDownModule():
    code = SERVER.stop()
    SERVER.close()
    assert code == 0, f"serve exited with {code}"


class PeaksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token = SERVER.login()
        cls.job_id = SERVER.submit(cls.token, JOB)
        status = SERVER.wait_for(cls.token, cls.job_id)
        assert status["status"] == "completed", status

    def peaks(self, job_id=None, token=None):
        return SERVER.request("GET", f"/result/{job_id or self.job_id}/peaks",
                              token=token or self.token)

    def test_peaks_follow_the_final_file(self):
        res = self.peaks()
        self.assertEqual(res.status, 200, res)
        body = res.json()
        self.assertEqual(body["job_id"], self.job_id)
        self.assertEqual(body["peaks_per_second"], 50)
        self.assertEqual(body["sample_rate"], 44100)
        peaks = body["peaks"]
        window = 44100 // 50
        self.assertEqual(len(peaks) % 2, 0)
        pairs = len(peaks) // 2
        samples = round(body["duration_ms"] * 44100 / 1000)
        self.assertEqual(pairs, math.ceil(samples / window))
        for low, high in zip(peaks[0::2], peaks[1::2]):
            self.assertTrue(-1 <= low <= high <= 1, (low, high))
        # The final file as ffmpeg decodes it has the same length and the same envelope, window
        # by window (each block placed where the manifest says; MP3 frames decoded alone differ
        # a little from the same frames decoded in the file, hence the tolerance).
        audio = SERVER.request("GET", f"/result/{self.job_id}/audio", token=self.token)
        decoded = ffmpeg_samples(audio.body)
        self.assertLessEqual(abs(len(decoded) - samples), 2, (len(decoded), samples))
        expected = []
        for start in range(0, len(decoded), window):
            chunk = decoded[start:start + window]
            expected += [max(-1.0, min(chunk)), min(1.0, max(chunk))]
        self.assertGreater(max(abs(v) for v in peaks), 0.05)
        close = sum(1 for got, want in zip(peaks, expected) if abs(got - want) <= 0.05)
        self.assertGreaterEqual(close / len(expected), 0.97, (close, len(expected)))

    def test_peaks_are_computed_once_and_stored_beside_the_final_file(self):
        first = self.peaks()
        self.assertEqual(first.status, 200, first)
        stored = [os.path.join(root, name) for root, _, names in os.walk(SERVER.data_dir)
                  for name in names if name.endswith(".peaks.json") and self.job_id in root]
        self.assertEqual(len(stored), 1, stored)
        with open(stored[0], "rb") as f:
            self.assertEqual(f.read(), first.body)
        # Served from the stored copy: a changed copy is what the next request gets.
        with open(stored[0], "wb") as f:
            f.write(b'{"marker": true}')
        self.assertEqual(self.peaks().json(), {"marker": True})
        with open(stored[0], "wb") as f:
            f.write(first.body)

    def test_only_the_owner_sees_peaks_of_a_finished_job(self):
        self.assertEqual(SERVER.users("add", "mallory", "--password", "mallory-password")
                         .returncode, 0)
        other = SERVER.login("mallory", "mallory-password")
        self.assertEqual(self.peaks(token=other).status, 403)
        self.assertEqual(self.peaks(job_id="00000000-0000-4000-8000-000000000000").status, 404)
        self.assertEqual(SERVER.request("GET", f"/result/{self.job_id}/peaks").status, 401)


class PreviewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token = SERVER.login()

    def test_preview_answers_the_voice_speaking_the_text(self):
        text = "A short preview of this voice."
        res = SERVER.request("POST", "/tts/preview", {"text": text, "provider": "flite"},
                             token=self.token)
        self.assertEqual(res.status, 200, res)
        self.assertEqual(res.headers["content-type"], "audio/mpeg")
        seconds = len(ffmpeg_samples(res.body)) / 44100
        self.assertGreater(seconds, 0.8)
        self.assertLess(seconds, 10)
        # A job of its own: in the history, counted in usage.
        job_id = res.headers["x-job-id"]
        status = SERVER.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "completed", status)
        result = SERVER.request("GET", f"/result/{job_id}", token=self.token).json()
        usage = {u["provider"]: u for u in result["usage"]}
        self.assertEqual(usage["flite"]["characters"], len(text))
        jobs = SERVER.request("GET", "/jobs?limit=100", token=self.token).json()
        self.assertIn(job_id, json.dumps(jobs))

    def test_invalid_previews_name_the_field(self):
        for body, field in (({"text": "x" * 301}, "text"), ({"text": ""}, "text"),
                            ({"text": "hi", "provider": "nope"}, "provider"),
                            ({"text": "hi", "wait_after_ms": -1}, "wait_after_ms"),
                            ({"text": "hi", "colour": "red"}, "colour")):
            res = SERVER.request("POST", "/tts/preview", body, token=self.token)
            self.assertEqual(res.status, 400, (body, res))
            self.assertEqual(res.json()["error"]["field"], field, (body, res))
        self.assertEqual(SERVER.request("POST", "/tts/preview", {"text": "hi"}).status, 401)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
