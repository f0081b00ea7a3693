#!/usr/bin/env python3
"""Word timings and subtitles end to end (issue 18, items 1 and 2): one job with a block for every
timing source (espeak-ng word events, flite's relations, ElevenLabs' /with-timestamps and
Kokoro's captioned speech from the mock vendors, and pauses found in the audio for OpenAI), plus
diacritized Arabic, rendered by `polyvox synth --words --subtitles` and by the service.

Checked from outside: words in order and inside their block's speech, as the user wrote them;
each sentence that follows a pause starts within 100 ms of the end of a silence that FFmpeg's
silencedetect finds in the rendered file; WebVTT and SubRip parsed strictly under their formats'
rules, with cues within the issue's limits and never across a block boundary; the service's
manifest words and subtitles identical to the CLI's; the routes' auth and content types."""
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

BINARY = None
MOCKS = None
MS_PER_CHAR = 100  # the mocks' pace: ". " is a 200 ms pause between sentences

SENTENCES = "The first sentence is here. Then a second one follows it. And a third one closes."
JOB = {"output_format": "mp3", "blocks": [
    {"text": SENTENCES, "provider": "espeak", "voice": "en-us", "wait_after_ms": 600,
     "speaker": "Narrator <one> & co"},
    {"text": "Flite reads this first sentence. Then flite reads another one.",
     "provider": "flite", "voice": "slt", "wait_after_ms": 500},
    {"text": "ElevenLabs speaks here. It aligns every character. Done now.",
     "provider": "elevenlabs", "voice": "rachel", "wait_after_ms": 400},
    {"text": "Kokoro gives its words. Each one has a time. That is all.", "provider": "kokoro",
     "wait_after_ms": 400},
    {"text": "OpenAI says nothing of words. Its pauses tell. The audio knows.",
     "provider": "openai", "voice": "alloy", "wait_after_ms": 400},
    {"text": "مرحبا بكم في هذا الكتاب. نتمنى لكم استماعا ممتعا.", "provider": "espeak",
     "voice": "ar", "arabic": True, "wait_after_ms": 0},
]}
SOURCES = ["espeak", "flite", "elevenlabs", "kokoro", "audio", "espeak"]
SENTENCE_END = re.compile(r"[.!?\u061f]$")
TIMESTAMP = r"(\d{2,}):([0-5]\d):([0-5]\d)[.,](\d{3})"


def setUpModule():
    global MOCKS
    MOCKS = mock_vendors.make_all()
    for mock in MOCKS.values():
        mock.ms_per_char = MS_PER_CHAR


def tearDownModule():
    for mock in MOCKS.values():
        mock.stop()


def environment(data_dir):
    env = {k: v for k, v in os.environ.items()
           if not k.endswith(("_API_KEY", "_BASE_URL")) and k != "DIACRITIZER_URL"}
    env.update(mock_vendors.provider_env(MOCKS))
    env.update(POLYVOX_DATA_DIR=data_dir, DIACRITIZER_URL=MOCKS["diacritizer"].url)
    return env


def silence_ends(path):
    """Where each silence FFmpeg's silencedetect finds in `path` ends, in ms."""
    out = subprocess.run(["ffmpeg", "-nostats", "-i", path, "-af",
                          "silencedetect=noise=-40dB:d=0.12", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    return [1000.0 * float(v) for v in re.findall(r"silence_end: ([\d.]+)", out)]


def ms_of(match):
    h, m, s, ms = (int(g) for g in match.groups())
    return ((h * 60 + m) * 60 + s) * 1000 + ms


def parse_cues(text, vtt):
    """Cues of a WebVTT (vtt) or SubRip file, checked strictly under the format's rules:
    [(start_ms, end_ms, voice or None, [lines])]."""
    if vtt:
        assert text.startswith("WEBVTT\n\n"), "a WebVTT file starts with WEBVTT and a blank line"
        body = text[len("WEBVTT\n\n"):]
    else:
        body = text
    assert "\r" not in text and "\ufeff" not in text
    assert body.endswith("\n\n") or body == "", "every cue ends with a blank line"
    cues = []
    blocks = body[:-2].split("\n\n") if body else []
    for number, block in enumerate(blocks, 1):
        lines = block.split("\n")
        assert len(lines) >= 3, f"cue {number}: identifier, timing and text: {block!r}"
        if vtt:
            assert "-->" not in lines[0] and lines[0].strip() == lines[0] and lines[0]
        else:
            assert lines[0] == str(number), f"SubRip cues are numbered from 1: {lines[0]!r}"
        sep = "." if vtt else ","
        timing = re.fullmatch(TIMESTAMP.replace("[.,]", re.escape(sep)) + " --> " +
                              TIMESTAMP.replace("[.,]", re.escape(sep)), lines[1])
        assert timing, f"cue {number}: timing line {lines[1]!r}"
        groups = timing.groups()
        start = ((int(groups[0]) * 60 + int(groups[1])) * 60 + int(groups[2])) * 1000 + \
            int(groups[3])
        end = ((int(groups[4]) * 60 + int(groups[5])) * 60 + int(groups[6])) * 1000 + \
            int(groups[7])
        assert end > start, f"cue {number} ends after it starts"
        payload = lines[2:]
        assert all(payload), "no empty line inside a cue"
        voice = None
        if vtt:
            for line in payload:
                assert "-->" not in line
                # Only character references and the one voice span; no bare & or <.
                stripped = re.sub(r"&(amp|lt|gt);", "", line)
                stripped = re.sub(r"^<v [^<>&\n]*(&(amp|lt|gt);[^<>&\n]*)*>", "", stripped)
                assert "&" not in stripped and "<" not in stripped and ">" not in stripped, line
            match = re.match(r"<v ([^>]*)>", payload[0])
            assert match, f"cue {number} has a voice span"
            voice = match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            payload = [payload[0][match.end():]] + payload[1:]
            payload = [p.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                       for p in payload]
        cues.append((start, end, voice, payload))
    for (s0, e0, _, _), (s1, _, _, _) in zip(cues, cues[1:]):
        assert s1 >= s0, "cues in time order"
    return cues


class TimingsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        cls.job_path = os.path.join(d, "job.json")
        with open(cls.job_path, "w", encoding="utf-8") as f:
            json.dump(JOB, f, ensure_ascii=False)
        cls.mp3 = os.path.join(d, "out.mp3")
        cls.paths = {name: os.path.join(d, name) for name in ("words.json", "plain.json",
                                                               "out.vtt", "out.srt")}
        env = environment(os.path.join(d, "synth-data"))
        for extra in (["--manifest", cls.paths["words.json"], "--words", "--subtitles",
                       cls.paths["out.vtt"]],
                      ["--manifest", cls.paths["plain.json"], "--subtitles",
                       cls.paths["out.srt"]]):
            # One block at a time, as the service's one worker below: espeak-ng keeps state
            # between utterances, so the same order gives the same audio (README).
            result = subprocess.run([BINARY, "synth", cls.job_path, "-o", cls.mp3,
                                     "--concurrency", "1"] + extra,
                                    env=env, cwd=d, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                raise AssertionError(f"synth failed ({result.returncode}): {result.stderr}")
        cls.files = {}
        for name, path in cls.paths.items():
            with open(path, encoding="utf-8") as f:
                cls.files[name] = f.read()
        cls.manifest = json.loads(cls.files["words.json"])

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_every_block_has_its_timing_source_and_its_words_as_written(self):
        blocks = self.manifest["blocks"]
        self.assertEqual([b["timing_source"] for b in blocks], SOURCES)
        for block, spec in zip(blocks, JOB["blocks"]):
            self.assertEqual([w["text"] for w in block["words"]], spec["text"].split())
        plain = json.loads(self.files["plain.json"])
        self.assertEqual([b["timing_source"] for b in plain["blocks"]], SOURCES)
        self.assertTrue(all("words" not in b for b in plain["blocks"]))

    def test_words_in_order_and_inside_their_blocks_speech(self):
        for block in self.manifest["blocks"]:
            previous = None
            for w in block["words"]:
                self.assertGreaterEqual(w["start_ms"], 0.0)
                self.assertLessEqual(w["start_ms"], w["end_ms"])
                self.assertLessEqual(w["end_ms"], block["speech_ms"])
                if previous:
                    self.assertGreaterEqual(w["start_ms"], previous["end_ms"], block["provider"])
                previous = w

    def test_sentence_starts_match_the_silences_ffmpeg_finds(self):
        ends = silence_ends(self.mp3)
        self.assertGreater(len(ends), 10)
        checked = {source: 0 for source in set(SOURCES)}
        for index, block in enumerate(self.manifest["blocks"]):
            words = block["words"]
            for k, w in enumerate(words):
                # Every sentence after the first of its block, and each block's first word
                # after a pause of the block before.
                follows_pause = (k > 0 and SENTENCE_END.search(words[k - 1]["text"])) or \
                    (k == 0 and index > 0 and self.manifest["blocks"][index - 1]["pause_ms"] >= 300)
                if not follows_pause:
                    continue
                at = block["offset_ms"] + w["start_ms"]
                nearest = min(ends, key=lambda e: abs(e - at))
                self.assertLess(abs(nearest - at), 100.0,
                                f"{block['timing_source']} block {index}: {w['text']!r} starts at "
                                f"{at:.0f} ms, the nearest silence ends at {nearest:.0f} ms")
                checked[block["timing_source"]] += 1
        for source, count in checked.items():
            self.assertGreater(count, 0, f"no sentence start checked for {source}")

    def check_cues(self, cues):
        blocks = self.manifest["blocks"]
        spans = [(b["offset_ms"], b["offset_ms"] + b["speech_ms"]) for b in blocks]
        words_seen = []
        for start, end, _, lines in cues:
            self.assertLessEqual(len(lines), 2)
            for line in lines:
                self.assertLessEqual(len(line), 42, line)
            self.assertLessEqual(end - start, 7000)
            inside = [i for i, (a, b) in enumerate(spans) if a - 1 <= start and end <= b + 1]
            self.assertEqual(len(inside), 1, f"cue {start}..{end} crosses a block boundary")
            block_speech = spans[inside[0]][1] - spans[inside[0]][0]
            if block_speech >= 1000:
                self.assertGreaterEqual(end - start, 999)
            words_seen += " ".join(lines).split()
        # Every word of every block once, in order, as the user wrote it (Arabic unchanged).
        self.assertEqual(words_seen, [w for b in JOB["blocks"] for w in b["text"].split()])

    def test_webvtt_parses_strictly_with_voices_and_follows_the_cue_rules(self):
        cues = parse_cues(self.files["out.vtt"], vtt=True)
        self.check_cues(cues)
        voices = {v for _, _, v, _ in cues}
        self.assertIn("Narrator <one> & co", voices)  # the block's speaker, escaped in the file
        self.assertIn("Narrator &lt;one&gt; &amp; co", self.files["out.vtt"])
        self.assertIn("slt", voices)  # else the voice's name
        self.assertIn("rachel", voices)

    def test_srt_parses_strictly_and_follows_the_cue_rules(self):
        cues = parse_cues(self.files["out.srt"], vtt=False)
        self.check_cues(cues)
        vtt = parse_cues(self.files["out.vtt"], vtt=True)
        self.assertEqual([(s, e, l) for s, e, _, l in cues], [(s, e, l) for s, e, _, l in vtt])

    def test_the_service_gives_the_same_words_and_subtitles(self):
        data = tempfile.TemporaryDirectory()
        settings = environment(data.name)
        settings.pop("POLYVOX_DATA_DIR")
        settings["WORKER_CONCURRENCY"] = "1"
        server = Server(BINARY, data_dir=data.name, **settings).start()
        try:
            token = server.login()
            job_id = server.submit(token, JOB)
            status = server.wait_for(token, job_id, timeout=300)
            self.assertEqual(status["status"], "completed", status)
            full = server.request("GET", f"/result/{job_id}?words=true", token=token)
            self.assertEqual(full.status, 200, full)
            manifest = full.json()["manifest"]
            self.assertEqual(manifest["blocks"], self.manifest["blocks"])
            small = server.request("GET", f"/result/{job_id}", token=token).json()["manifest"]
            self.assertEqual([b["timing_source"] for b in small["blocks"]], SOURCES)
            self.assertTrue(all("words" not in b for b in small["blocks"]))
            bad = server.request("GET", f"/result/{job_id}?words=yes", token=token)
            self.assertEqual(bad.status, 400)
            for name, ctype in (("vtt", "text/vtt"), ("srt", "application/x-subrip")):
                res = server.request("GET", f"/result/{job_id}/subtitles.{name}", token=token)
                self.assertEqual(res.status, 200, res)
                self.assertTrue(res.headers["content-type"].startswith(ctype))
                self.assertEqual(res.body.decode("utf-8"), self.files["out." + name])
                self.assertEqual(
                    server.request("GET", f"/result/{job_id}/subtitles.{name}").status, 401)
            server.users("add", "mallory", "--password", "mallory-password-1")
            other = server.login("mallory", "mallory-password-1")
            self.assertEqual(
                server.request("GET", f"/result/{job_id}/subtitles.vtt", token=other).status, 403)
        finally:
            server.close()
            data.cleanup()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join("build", "polyvox")
    unittest.main(verbosity=2)
