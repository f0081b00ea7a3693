#!/usr/bin/env python3
"""Chapters and delivery profiles end to end through the service (`polyvox serve`) and
`polyvox synth`, checked from outside with FFmpeg: the chapters ffprobe lists in mp3, m4a, m4b and
opus files at the manifest's times (+-1 ms), none in formats that carry none, an m4b's brand and
cover, each profile's loudness measured by FFmpeg's ebur128 and astats filters for a job that mixes
three voices (espeak, flite and a mock vendor), a file that cannot meet its profile failing with
its measurements, and synth and the service making the same file and manifest."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import Server  # noqa: E402
from synth_parity import service_and_synth  # noqa: E402

BINARY = None
MOCKS = None
SERVER = None
TOKEN = None

# Three voices: two local engines and a (mock) vendor.
BLOCKS = [
    {"text": "Chapter one. The quick brown fox jumps over the lazy dog.", "provider": "espeak",
     "voice": "en-us", "wait_after_ms": 400, "chapter": "One: the fox"},
    {"text": "It was a bright cold day in April, and the clocks were striking thirteen.",
     "provider": "flite", "voice": "slt", "wait_after_ms": 300},
    {"text": "Chapter two, read by a cloud voice.", "provider": "openai", "voice": "alloy",
     "wait_after_ms": 500, "chapter": "Deux : l'été"},
    {"text": "And the last words of the book, read once more by the first voice.",
     "provider": "espeak", "voice": "en-us", "wait_after_ms": 200, "chapter": "Three"},
]


def setUpModule():
    global MOCKS, SERVER, TOKEN
    MOCKS = mock_vendors.make_all()
    SERVER = Server(BINARY, WORKER_CONCURRENCY=2, **mock_vendors.provider_env(MOCKS)).start()
    TOKEN = SERVER.login()


def tearDownModule():
    SERVER.close()
    for mock in MOCKS.values():
        mock.stop()


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, **kwargs)


def render(job):
    """The job's final file and its /result document, through the service."""
    job_id = SERVER.submit(TOKEN, job)
    status = SERVER.wait_for(TOKEN, job_id, timeout=180)
    if status["status"] != "completed":
        raise AssertionError(f"job failed: {status}")
    result = SERVER.request("GET", f"/result/{job_id}", token=TOKEN).json()
    audio = SERVER.request("GET", f"/result/{job_id}/audio", token=TOKEN, timeout=60)
    assert audio.status == 200, audio
    return audio.body, result


def probe(data, *what):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = run(["ffprobe", "-v", "error", *what, "-of", "json", f.name], check=True)
    return json.loads(out.stdout)


def measure(data):
    """Integrated loudness, true peak (ebur128) and RMS, peak and noise floor (astats)."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = run(["ffmpeg", "-nostats", "-i", f.name, "-af",
                   "ebur128=peak=true,astats=measure_overall=RMS_level+Peak_level+Noise_floor:"
                   "measure_perchannel=none", "-f", "null", "-"], check=True)
    log = out.stderr.decode()
    summary = log.split("Summary:")[-1]

    def level(pattern, text):
        value = re.search(pattern, text).group(1)
        return float("-inf") if value in ("-inf", "-nan") else float(value)

    return {
        "integrated_lufs": level(r"I:\s+(-?[\d.]+|-inf) LUFS", summary),
        "true_peak_dbtp": level(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary),
        "rms_db": level(r"RMS level dB: (-?[\d.]+|-inf)", log),
        "peak_db": level(r"Peak level dB: (-?[\d.]+|-inf)", log),
        "noise_floor_db": level(r"Noise floor dB: (-?[\d.]+|-inf|-nan)", log),
    }


def silence_at_ends(data):
    """Seconds of silence (below -60 dB) at the start and at the end, by silencedetect."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = run(["ffmpeg", "-nostats", "-i", f.name, "-af", "silencedetect=n=-60dB:d=0.2",
                   "-f", "null", "-"], check=True)
        duration = float(run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                              "-of", "csv=p=0", f.name], check=True).stdout)
    log = out.stderr.decode()
    starts = [float(x) for x in re.findall(r"silence_start: (-?[\d.]+)", log)]
    ends = [float(x) for x in re.findall(r"silence_end: ([\d.]+)", log)]
    lead = ends[0] if starts and starts[0] <= 0.001 and ends else 0.0
    # The last silence runs to the end: FFmpeg closes it at the end of the file, or not at all.
    last_end = ends[-1] if len(ends) == len(starts) and ends else duration
    tail = duration - starts[-1] if starts and last_end >= duration - 0.05 else 0.0
    return lead, tail


class ChaptersTest(unittest.TestCase):
    def check_chapters(self, fmt, data, manifest):
        chapters = probe(data, "-show_chapters")["chapters"]
        expected = manifest["chapters"]
        self.assertEqual([c["tags"]["title"] for c in chapters], [c["title"] for c in expected])
        for i, (got, want) in enumerate(zip(chapters, expected)):
            self.assertAlmostEqual(float(got["start_time"]) * 1000, want["start_ms"], delta=1.0,
                                   msg=f"{fmt}: {got} vs {want}")
            if fmt == "opus" and i + 1 == len(chapters):
                # Vorbis comments state starts only: FFmpeg ends the last chapter at the stream's
                # duration as it computes it, which for Ogg Opus (5.1) still counts the pre-skip.
                continue
            self.assertAlmostEqual(float(got["end_time"]) * 1000, want["end_ms"], delta=1.0,
                                   msg=f"{fmt}: {got} vs {want}")

    def test_chapters_are_listed_at_the_manifests_times_in_each_format(self):
        for fmt in ("mp3", "m4a", "m4b", "opus"):
            with self.subTest(fmt=fmt):
                data, result = render({"output_format": fmt, "blocks": BLOCKS})
                manifest = result["manifest"]
                blocks = manifest["blocks"]
                self.assertEqual([c["start_ms"] for c in manifest["chapters"]],
                                 [blocks[0]["offset_ms"], blocks[2]["offset_ms"],
                                  blocks[3]["offset_ms"]])
                self.assertEqual(manifest["chapters"][-1]["end_ms"], manifest["duration_ms"])
                self.check_chapters(fmt, data, manifest)

    def test_formats_without_chapters_carry_none(self):
        for fmt in ("wav", "flac"):
            with self.subTest(fmt=fmt):
                data, result = render({"output_format": fmt, "blocks": BLOCKS})
                self.assertEqual(probe(data, "-show_chapters")["chapters"], [])
                self.assertEqual(len(result["manifest"]["chapters"]), 3)  # still in the manifest

    def test_a_long_arabic_chapter_title_is_cut_at_a_letter_in_mp4(self):
        # MP4's Nero chapter list keeps 255 bytes of a title, cut wherever they end: 150
        # Arabic letters (300 bytes) came out with half a letter at the end.
        title = "الفصل" + " " + "ب" * 144  # 150 letters, 300 bytes
        job = {"output_format": "m4b", "blocks": [dict(BLOCKS[0], chapter=title), BLOCKS[1]]}
        data, result = render(job)
        self.assertEqual(result["manifest"]["chapters"][0]["title"], title)  # whole in the manifest
        got = probe(data, "-show_chapters")["chapters"][0]["tags"]["title"]
        self.assertNotIn("\ufffd", got)
        self.assertTrue(title.startswith(got), got)
        self.assertLessEqual(len(got.encode("utf-8")), 255)
        self.assertGreaterEqual(len(got.encode("utf-8")), 254)

    def test_an_m4b_has_the_audiobook_brand_and_the_uploaded_cover(self):
        with tempfile.TemporaryDirectory() as work:
            png = os.path.join(work, "cover.png")
            run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=32x32:d=1",
                 "-frames:v", "1", png], check=True)
            with open(png, "rb") as f:
                image = f.read()
        res = SERVER.request("POST", "/covers", image, {"Content-Type": "image/png"}, token=TOKEN)
        self.assertEqual(res.status, 201, res)
        cover_url = res.json()["cover_url"]
        self.assertRegex(cover_url, r"^/covers/[0-9a-f]{64}\.png$")
        data, result = render({"output_format": "m4b", "cover_url": cover_url, "blocks": BLOCKS})
        self.assertEqual(data[4:12], b"ftypM4B ")
        streams = probe(data, "-show_streams")["streams"]
        pictures = [s for s in streams if s.get("disposition", {}).get("attached_pic") == 1]
        self.assertEqual(len(pictures), 1, streams)
        self.assertEqual(pictures[0]["codec_name"], "png")
        self.check_chapters("m4b", data, result["manifest"])

    def test_covers_are_images_of_their_owner_only(self):
        res = SERVER.request("POST", "/covers", b"GIF89a" + bytes(64),
                             {"Content-Type": "image/gif"}, token=TOKEN)
        self.assertEqual(res.status, 415, res)
        self.assertEqual(SERVER.request("POST", "/covers", b"\xff\xd8\xff\xe0").status, 401)
        # A cover nobody uploaded (or another user's: keys are per owner) fails the job by name.
        job_id = SERVER.submit(TOKEN, {"output_format": "m4a",
                                       "cover_url": "/covers/" + "0" * 64 + ".jpg",
                                       "blocks": BLOCKS[:1]})
        status = SERVER.wait_for(TOKEN, job_id, timeout=120)
        self.assertEqual(status["status"], "failed")
        self.assertIn("cover_url", json.dumps(status))
        res = SERVER.request("POST", "/tts", {"cover_url": "http://169.254.169.254/x.png",
                                              "blocks": BLOCKS[:1]}, token=TOKEN)
        self.assertEqual(res.status, 400)
        self.assertIn("cover_url", res.body.decode())


def png_of_color(color):
    """A 16x16 PNG of one color: each color a distinct image."""
    with tempfile.TemporaryDirectory() as work:
        png = os.path.join(work, "cover.png")
        run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color=c={color}:s=16x16:d=1",
             "-frames:v", "1", png], check=True)
        with open(png, "rb") as f:
            return f.read()


class CoverLimitTest(unittest.TestCase):
    """Each user keeps at most MAX_COVERS_PER_USER covers (admins any number), and removes one
    with DELETE /covers/{name}; a job naming a removed cover fails by name."""

    def test_a_user_keeps_at_most_the_limit_and_removes_covers(self):
        with tempfile.TemporaryDirectory() as data_dir:
            server = Server(BINARY, data_dir=data_dir, MAX_COVERS_PER_USER="2",
                            WORKER_CONCURRENCY="1").start()
            try:
                server.users("add", "cleo", "--password", "cleo-password")
                cleo, admin = server.login("cleo", "cleo-password"), server.login()

                def upload(token, color):
                    return server.request("POST", "/covers", png_of_color(color),
                                          {"Content-Type": "image/png"}, token=token)
                red, green = upload(cleo, "red"), upload(cleo, "green")
                self.assertEqual((red.status, green.status), (201, 201))
                refused = upload(cleo, "blue")
                self.assertEqual(refused.status, 429, refused)
                self.assertEqual(refused.error_code(), "QUOTA_EXCEEDED")
                self.assertEqual(refused.json()["error"]["field"], "max_covers_per_user")
                self.assertEqual(upload(cleo, "red").status, 201)  # the same image: no new cover
                for color in ("blue", "yellow", "white"):  # admins: no limit
                    self.assertEqual(upload(admin, color).status, 201)
                # Removing one makes room; a removed cover fails the job that names it.
                name = red.json()["cover_url"].rsplit("/", 1)[1]
                self.assertEqual(server.request("DELETE", "/covers/" + name, token=cleo).status,
                                 204)
                gone = server.request("DELETE", "/covers/" + name, token=cleo)
                self.assertEqual((gone.status, gone.error_code()), (404, "FILE_NOT_FOUND"))
                self.assertEqual(server.request("DELETE", "/covers/x.png", token=cleo).status, 400)
                self.assertEqual(upload(cleo, "blue").status, 201)
                job_id = server.submit(cleo, {"output_format": "m4a",
                                              "cover_url": red.json()["cover_url"],
                                              "blocks": BLOCKS[:1]})
                status = server.wait_for(cleo, job_id, timeout=120)
                self.assertEqual(status["status"], "failed")
                self.assertIn("names no cover", json.dumps(status))
                # Another user's cover is not theirs to remove.
                green_name = green.json()["cover_url"].rsplit("/", 1)[1]
                self.assertEqual(server.request("DELETE", "/covers/" + green_name,
                                                token=admin).status, 404)
            finally:
                server.stop()


class ProfilesTest(unittest.TestCase):
    def test_each_profile_meets_its_targets_as_ffmpeg_measures_them(self):
        for profile in ("podcast", "broadcast", "audiobook"):
            with self.subTest(profile=profile):
                data, result = render({"profile": profile, "blocks": BLOCKS})
                manifest = result["manifest"]
                self.assertEqual(manifest["profile"], profile)
                reported = manifest["loudness"]
                measured = measure(data)
                if profile in ("podcast", "broadcast"):
                    target = -16.0 if profile == "podcast" else -23.0
                    self.assertAlmostEqual(measured["integrated_lufs"], target, delta=0.5)
                    self.assertLessEqual(measured["true_peak_dbtp"], -1.0)
                else:
                    self.assertAlmostEqual(measured["rms_db"], -20.0, delta=0.5)
                    self.assertLessEqual(measured["peak_db"], -3.0)
                    self.assertLessEqual(measured["true_peak_dbtp"], -3.0)
                    self.assertLessEqual(measured["noise_floor_db"], -60.0)
                    lead, tail = silence_at_ends(data)
                    self.assertTrue(0.5 <= lead <= 1.0, lead)
                    self.assertTrue(1.0 <= tail <= 5.0, tail)
                    self.assertTrue(500 <= reported["lead_ms"] <= 1000, reported)
                    self.assertTrue(1000 <= reported["tail_ms"] <= 5000, reported)
                # What the manifest reports is what FFmpeg measures.
                self.assertAlmostEqual(reported["integrated_lufs"], measured["integrated_lufs"],
                                       delta=0.5)
                self.assertAlmostEqual(reported["true_peak_dbtp"], measured["true_peak_dbtp"],
                                       delta=0.5)
                self.assertAlmostEqual(reported["rms_db"], measured["rms_db"], delta=0.5)

    def test_profile_none_leaves_each_engines_level_and_reports_it(self):
        data, result = render({"profile": "none", "blocks": BLOCKS})
        reported = result["manifest"]["loudness"]
        measured = measure(data)
        self.assertAlmostEqual(reported["integrated_lufs"], measured["integrated_lufs"], delta=0.5)
        podcast, _ = render({"profile": "podcast", "blocks": BLOCKS})
        self.assertNotEqual(data, podcast)

    def test_a_file_outside_its_profile_fails_with_its_measurements(self):
        # A short line and a minute of pause: no gain under ACX's peak ceiling brings the file's
        # RMS to -20 dB.
        job_id = SERVER.submit(TOKEN, {"profile": "audiobook", "blocks": [
            {"text": "Hi.", "provider": "espeak", "wait_after_ms": 60000},
            {"text": "Bye.", "provider": "espeak"}]})
        status = SERVER.wait_for(TOKEN, job_id, timeout=120)
        self.assertEqual(status["status"], "failed", status)
        error = json.dumps(status)
        self.assertIn("audiobook profile is not met", error)
        self.assertIn("RMS", error)
        self.assertIn("measured: integrated", error)


class SynthParityTest(unittest.TestCase):
    """`polyvox synth` and the service: the same file and manifest for a job with chapters and a
    profile (synth_parity.py)."""

    maxDiff = None

    def test_synth_and_the_service_agree(self):
        job = {"output_format": "mp3", "profile": "audiobook", "blocks": BLOCKS}
        (manifest, audio), (synth_manifest, synth_audio) = service_and_synth(
            BINARY, job, CACHE_ENABLED="false", **mock_vendors.provider_env(MOCKS))
        self.assertEqual(synth_manifest, manifest)
        self.assertIn("chapters", synth_manifest)
        self.assertIn("loudness", synth_manifest)
        self.assertTrue(synth_audio == audio, "the audio bytes differ")


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
