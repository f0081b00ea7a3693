#!/usr/bin/env python3
"""The mock vendors themselves: auth checked exactly, audio whose decoded duration follows the
text, vendor-shaped errors, faults consumed in order, the diacritizer's answers."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mock_vendors as mv  # noqa: E402


def post(url, body, headers=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers=dict(headers or {}, **{"Content-Type":
                                                                    "application/json"}))
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def decoded_ms(data, suffix, rate):
    """Duration as ffmpeg decodes it (it honours the LAME Info tag's delay and padding)."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffmpeg", "-v", "error", "-i", f.name, "-f", "s16le", "-ac", "1",
                              "-ar", str(rate), "-"], capture_output=True, check=True)
        return len(out.stdout) / 2 / rate * 1000.0


class MockVendorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = mv.make_all()

    @classmethod
    def tearDownClass(cls):
        for mock in cls.m.values():
            mock.stop()

    def setUp(self):
        for mock in self.m.values():
            mock.reset()

    def eleven(self, text, key=None, voice="21m00Tcm4TlvDq8ikWAM", query=""):
        return post(self.m["elevenlabs"].url + "/v1/text-to-speech/" + voice + query,
                    {"text": text}, {"xi-api-key": key or self.m["elevenlabs"].key})

    def test_audio_duration_follows_the_text(self):
        for text in ("Hi there.", "A much longer sentence that takes a while to say."):
            status, headers, body = self.eleven(text)
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "audio/mpeg")
            self.assertAlmostEqual(decoded_ms(body, ".mp3", 44100), mv.speech_ms(text), delta=1)
        status, _, body = self.eleven("Raw.", query="?output_format=pcm_22050")
        self.assertEqual(len(body), 2 * int(round(mv.speech_ms("Raw.") * 22.05)))

    def test_vendors_speak_at_the_speed_asked_within_their_range(self):
        text = "Speed changes the length."
        status, _, body = post(self.m["openai"].url + "/audio/speech",
                               {"model": "tts-1", "input": text, "voice": "alloy", "speed": 2.0,
                                "response_format": "wav"},
                               {"Authorization": "Bearer " + self.m["openai"].key})
        self.assertEqual(status, 200)
        self.assertAlmostEqual(decoded_ms(body, ".wav", 24000), mv.speech_ms(text) / 2, delta=1)
        voice = "21m00Tcm4TlvDq8ikWAM"
        url = self.m["elevenlabs"].url + "/v1/text-to-speech/" + voice + "?output_format=pcm_22050"
        key = {"xi-api-key": self.m["elevenlabs"].key}
        status, _, body = post(url, {"text": text, "voice_settings": {"speed": 1.2}}, key)
        self.assertEqual(status, 200)
        self.assertEqual(len(body), 2 * int(round(round(mv.speech_ms(text) / 1.2) * 22.05)))
        status, _, body = post(url, {"text": text, "voice_settings": {"speed": 1.5}}, key)
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["detail"]["status"], "invalid_voice_settings")

    def test_auth_is_checked_exactly(self):
        status, _, body = self.eleven("Hi.", key=self.m["elevenlabs"].key + "x")
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["detail"]["status"], "invalid_api_key")
        status, _, _ = post(self.m["openai"].url + "/audio/speech",
                            {"model": "tts-1", "input": "Hi", "voice": "alloy"},
                            {"Authorization": "bearer " + self.m["openai"].key})
        self.assertEqual(status, 401)
        status, _, body = post(self.m["ghaymah_pro"].url,
                               {"input": "Hi", "voice": "0", "response_format": "mp3",
                                "speed": 1.0})
        self.assertEqual((status, body), (401, b"Unauthorized"))

    def test_faults_are_consumed_in_order_and_logged_requests_kept(self):
        self.m["elevenlabs"].fail_next("rate_limit", retry_after=4)
        self.m["elevenlabs"].fail_next("server_error", status=503)
        first = self.eleven("One.")
        second = self.eleven("Two.")
        third = self.eleven("Three.")
        self.assertEqual(first[0], 429)
        self.assertEqual(first[1]["Retry-After"], "4")
        self.assertEqual(second[0], 503)
        self.assertEqual(third[0], 200)
        log = self.m["elevenlabs"].requests()
        self.assertEqual([r["json"]["text"] for r in log], ["One.", "Two.", "Three."])
        self.assertEqual(log[0]["headers"]["xi-api-key"], self.m["elevenlabs"].key)

    def test_openai_compatible_error_styles(self):
        status, _, body = post(self.m["ghaymah"].url + "/audio/speech",
                               {"model": "tts-1", "input": "Hi", "voice": "alloy"},
                               {"Authorization": "Bearer " + self.m["ghaymah"].key})
        self.assertEqual(status, 400)
        self.assertIsInstance(json.loads(body)["error"], str)  # Ghaymah style
        status, _, body = post(self.m["openai"].url + "/audio/speech",
                               {"model": "tts-1", "input": "x" * 4097, "voice": "alloy"},
                               {"Authorization": "Bearer " + self.m["openai"].key})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error"]["code"], "string_above_max_length")

    def test_kokoro_answers_a_wav_data_url(self):
        status, _, body = post(self.m["kokoro"].url, {"text": "Hello kokoro.", "voice_id": "0"})
        self.assertEqual(status, 200)
        url = json.loads(body)["audio"]
        self.assertTrue(url.startswith("data:audio/wav;base64,"))
        wav = base64.b64decode(url.split(",", 1)[1])
        self.assertAlmostEqual(decoded_ms(wav, ".wav", 24000), mv.speech_ms("Hello kokoro."), delta=1)

    def test_sentences_are_separated_by_silence_of_their_end_and_spaces(self):
        text = "One two. Three."
        status, _, body = self.eleven(text, query="?output_format=pcm_16000")
        self.assertEqual(status, 200)
        samples = memoryview(body).cast("h")
        per_char = len(samples) / len(text)
        quiet = [abs(v) < 100 for v in samples]
        # ". " (characters 7 and 8) is silence; the letters around it are not; the final "." is.
        self.assertTrue(all(quiet[int(7.1 * per_char):int(8.9 * per_char)]))
        self.assertFalse(all(quiet[int(5.1 * per_char):int(6.9 * per_char)]))
        self.assertFalse(all(quiet[int(13.1 * per_char):int(13.9 * per_char)]))

    def test_elevenlabs_with_timestamps_aligns_each_character(self):
        text = "Hi there. Bye."
        status, _, body = self.eleven(text, query="/with-timestamps?output_format=pcm_16000")
        self.assertEqual(status, 200)
        answer = json.loads(body)
        audio = base64.b64decode(answer["audio_base64"])
        self.assertEqual(len(audio), 2 * int(round(mv.speech_ms(text) * 16)))
        alignment = answer["alignment"]
        self.assertEqual("".join(alignment["characters"]), text)
        starts = alignment["character_start_times_seconds"]
        ends = alignment["character_end_times_seconds"]
        self.assertEqual(starts, sorted(starts))
        self.assertAlmostEqual(ends[-1], mv.speech_ms(text) / 1000.0, places=3)
        self.m["elevenlabs"].fail_next("no_alignment")
        self.m["elevenlabs"].fail_next("rate_limit")
        status, _, body = self.eleven(text, query="/with-timestamps")
        self.assertIsNone(json.loads(body)["alignment"])
        status, _, body = self.eleven(text, query="/with-timestamps")
        self.assertEqual(status, 429)

    def test_kokoro_gives_word_timestamps_when_asked(self):
        text = "Hello, kokoro. Bye!"
        status, _, body = post(self.m["kokoro"].url, {"text": text, "voice_id": "0",
                                                      "return_timestamps": True})
        self.assertEqual(status, 200)
        words = json.loads(body)["timestamps"]
        self.assertEqual([w["word"] for w in words], ["Hello", "kokoro", "Bye"])
        self.assertEqual(words[0]["start_time"], 0.0)
        self.assertLess(words[1]["end_time"], words[2]["start_time"])
        status, _, body = post(self.m["kokoro"].url, {"text": text, "voice_id": "0"})
        self.assertNotIn("timestamps", json.loads(body))

    def test_diacritizer_vocalizes_and_can_misbehave(self):
        url = self.m["diacritizer"].url
        request = {"text": "سلام", "max_length": 256, "num_beams": 4, "temperature": 0.2,
                   "do_sample": False}
        status, _, body = post(url, request)
        self.assertEqual(json.loads(body)["vocalized_text"], "سَلَاَمَ")
        self.m["diacritizer"].fail_next("missing_field")
        self.assertEqual(json.loads(post(url, request)[2]), {"result": "ok"})
        self.m["diacritizer"].fail_next("rewrite", answer="كلام آخر")
        self.assertEqual(json.loads(post(url, request)[2]), {"vocalized_text": "كلام آخر"})
        self.assertEqual(self.m["diacritizer"].requests()[0]["json"], request)
        legacy = mv.DiacritizerMock(legacy=True).start()
        try:
            self.assertIn("diacritized_text", json.loads(post(legacy.url, request)[2]))
        finally:
            legacy.stop()


if __name__ == "__main__":
    unittest.main()
