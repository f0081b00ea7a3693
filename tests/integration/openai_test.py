#!/usr/bin/env python3
"""POST /v1/audio/speech, GET /v1/models and GET /v1/audio/voices against a real `polyvox serve`
(embedded mode, offline voices only), driven by the official `openai` npm SDK (the exact version
pinned in openai_sdk/package-lock.json, run by node as an unmodified client through
openai_sdk/sdk_client.cjs) with an API key, and by curl as Open WebUI sends its requests.
Audio is decoded with ffprobe/ffmpeg: codec, sample rate, duration.

usage: openai_test.py POLYVOX_BINARY OPENAI_SDK_DIR [NODE [unittest args]]
NODE: the node binary that runs the SDK (default: `node` on PATH); the tests' CMake runs the SDK
tests once more on Debian's Node 18 when the system node is another (scripts/debian-node18.sh)."""
import base64
import json
import os
import http.client
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import (ADMIN_PASSWORD, Client, Server, decoded_samples,  # noqa: E402
                            poll_until)

BINARY = None
SDK_DIR = None
NODE = "node"
TWO_SENTENCES = "Hello from Polyvox. This is the second sentence of the test."
ARABIC = "\u0645\u0631\u062d\u0628\u0627 \u0628\u0643\u0645 \u0641\u064a \u0627\u0644\u0628\u064a\u062a."
# What each response_format decodes to: codec and sample rate (None: the job's own rate).
FORMATS = {"mp3": ("mp3", None), "wav": ("pcm_s16le", None), "flac": ("flac", None),
           "opus": ("opus", 48000), "aac": ("aac", None), "pcm": ("pcm_s16le", 24000)}


def probe(path, raw_pcm=False):
    """(codec, sample rate, duration in seconds): codec and rate as ffprobe reads them, the
    duration from the samples ffmpeg decodes (a stream written progressively may not say its
    length). Raw PCM is read as OpenAI's: s16le, mono, 24 kHz."""
    if raw_pcm:
        return "pcm_s16le", 24000, os.path.getsize(path) / 2 / 24000
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                          "stream=codec_name,sample_rate", "-of", "json", path],
                         capture_output=True, text=True, check=True)
    stream = json.loads(out.stdout)["streams"][0]
    rate = int(stream["sample_rate"])
    samples, _ = decoded_samples(path)
    return stream["codec_name"], rate, samples / rate


def decode_errors(path):
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"],
                         capture_output=True, text=True)
    return out.stderr


class OpenAiSdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY).start()
        cls.token = cls.server.login()
        res = cls.server.request("POST", "/api-keys", {"name": "openai-sdk"}, token=cls.token)
        assert res.status == 201, res
        cls.key = res.json()["key"]
        cls.out = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.out.cleanup()

    def sdk(self, cases):
        """Runs the cases through the SDK; {name: outcome}."""
        spec = os.path.join(self.out.name, "cases.json")
        with open(spec, "w") as f:
            json.dump(cases, f)
        env = dict(os.environ, POLYVOX_BASE_URL=f"http://127.0.0.1:{self.server.port}/v1",
                   POLYVOX_API_KEY=self.key, OPENAI_SDK_DIR=SDK_DIR, OUT_DIR=self.out.name)
        run = subprocess.run([NODE, os.path.join(HERE, "openai_sdk", "sdk_client.cjs"), spec],
                             env=env, capture_output=True, text=True, timeout=600)
        self.assertEqual(run.returncode, 0, run.stderr)
        return {o["name"]: o for o in map(json.loads, run.stdout.splitlines())}

    def speech(self, name, **params):
        return {"name": name, "params": {"model": "tts-1", "voice": "alloy",
                                         "input": TWO_SENTENCES, **params}}

    def test_the_sdk_runs_on_the_node_given(self):
        version = subprocess.run([NODE, "-p", "process.version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        if NODE != "node":  # Debian's Node 18 (scripts/debian-node18.sh)
            self.assertTrue(version.startswith("v18."), version)
        o = self.sdk([{"name": "version", "params": {
            "model": "tts-1", "voice": "alloy", "input": "Which node runs this?"}}])["version"]
        self.assertTrue(o["ok"], o)

    def test_every_response_format_decodes_as_its_codec(self):
        outcomes = self.sdk([self.speech(f, response_format=f) for f in FORMATS]
                            + [self.speech(f + "_streamed", response_format=f,
                                           stream_format="audio") for f in FORMATS])
        seconds_of = {}
        for fmt, (codec, rate) in [(f + s, c) for f, c in FORMATS.items()
                                   for s in ("", "_streamed")]:
            o = outcomes[fmt]
            self.assertTrue(o["ok"], o)
            got_codec, got_rate, seconds = probe(o["file"], raw_pcm=fmt.startswith("pcm"))
            self.assertEqual(got_codec, codec, fmt)
            if rate:
                self.assertEqual(got_rate, rate, fmt)
            # Two sentences spoken by espeak: a few seconds of audio.
            self.assertGreater(seconds, 1.5, fmt)
            self.assertLess(seconds, 12, fmt)
            if not fmt.startswith("pcm"):
                self.assertEqual(decode_errors(o["file"]), "", fmt)
            seconds_of[fmt] = seconds
        self.assertEqual(outcomes["mp3"]["headers"]["content-type"], "audio/mpeg")
        # The same speech in every format (the blocks come from the audio cache after the
        # first): pcm read at 24 kHz lasts as long as the WAV, so it was written at 24 kHz.
        for fmt, seconds in seconds_of.items():
            self.assertAlmostEqual(seconds, seconds_of["wav"], delta=0.15, msg=fmt)

    def test_the_job_is_a_real_job_listed_with_the_others(self):
        o = self.sdk([self.speech("listed", input=TWO_SENTENCES + " " + ARABIC)])["listed"]
        self.assertTrue(o["ok"], o)
        job_id = o["headers"]["x-polyvox-job-id"]
        status = self.server.request("GET", f"/status/{job_id}", token=self.token).json()
        self.assertEqual(status["status"], "completed")
        jobs = self.server.request("GET", "/jobs?limit=100", token=self.token).json()["jobs"]
        self.assertIn(job_id, [j["job_id"] for j in jobs])
        result = self.server.request("GET", f"/result/{job_id}", token=self.token).json()
        blocks = result["manifest"]["blocks"]
        self.assertEqual(len(blocks), 3)  # one block per sentence
        # The Arabic sentence went to espeak's Arabic voice (alloy's variant), diacritized.
        self.assertEqual(blocks[2]["provider"], "espeak")
        self.assertTrue(blocks[2]["voice"].endswith("ar+f3"), blocks[2])  # espeak: "sem/ar+f3"

    def test_streamed_audio_arrives_before_the_job_ends_and_decodes(self):
        text = " ".join(f"This is sentence number {i} of the streamed test." for i in range(8))
        o = self.sdk([self.speech("streamed", input=text, stream_format="audio")])["streamed"]
        self.assertTrue(o["ok"], o)
        self.assertEqual(o["headers"]["content-type"], "audio/mpeg")
        self.assertLess(o["first_ms"], o["total_ms"])
        codec, _, seconds = probe(o["file"])
        self.assertEqual(codec, "mp3")
        self.assertGreater(seconds, 8)
        self.assertEqual(decode_errors(o["file"]), "")

    def test_sse_sends_base64_deltas_then_done_with_usage(self):
        o = self.sdk([self.speech("sse", stream_format="sse")])["sse"]
        self.assertTrue(o["ok"], o)
        self.assertEqual(o["headers"]["content-type"], "text/event-stream")
        with open(o["file"]) as f:
            events = [json.loads(line[len("data: "):]) for line in f.read().split("\n")
                      if line.startswith("data: ")]
        types = [e["type"] for e in events]
        self.assertGreaterEqual(types.count("speech.audio.delta"), 1)
        self.assertEqual(types[-1], "speech.audio.done")
        self.assertEqual(set(types[:-1]), {"speech.audio.delta"})
        usage = events[-1]["usage"]
        self.assertEqual(usage["input_tokens"], len(TWO_SENTENCES))
        self.assertEqual(usage["total_tokens"], usage["input_tokens"] + usage["output_tokens"])
        audio = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
        path = os.path.join(self.out.name, "sse.mp3")
        with open(path, "wb") as f:
            f.write(audio)
        codec, _, seconds = probe(path)
        self.assertEqual(codec, "mp3")
        self.assertGreater(seconds, 1.5)
        self.assertEqual(decode_errors(path), "")

    def test_speed(self):
        outcomes = self.sdk([self.speech("normal", response_format="wav", speed=1.0),
                             self.speech("fast", response_format="wav", speed=2.0)])
        self.assertTrue(outcomes["normal"]["ok"], outcomes["normal"])
        fast = outcomes["fast"]
        self.assertTrue(fast["ok"], fast)
        _, _, normal_s = probe(outcomes["normal"]["file"])
        _, _, fast_s = probe(fast["file"])
        self.assertAlmostEqual(fast_s / normal_s, 0.5, delta=0.15)

    def test_errors_raise_the_sdk_error_classes(self):
        outcomes = self.sdk([
            self.speech("bad_voice", voice="nobody-at-all"),
            self.speech("bad_model", model="tts-9"),
            self.speech("bad_format", response_format="ogg"),
            self.speech("bad_speed", speed=9),
            self.speech("too_long", input="a" * 4097),
            dict(self.speech("bad_key"), api_key="pvx_" + "A" * 43),
            {"name": "models_bad_key", "kind": "models", "api_key": "not-a-key"},
        ])
        expect = {"bad_voice": ("NotFoundError", 404, "voice_not_found", "voice"),
                  "bad_model": ("NotFoundError", 404, "model_not_found", "model"),
                  "bad_format": ("BadRequestError", 400, None, "response_format"),
                  "bad_speed": ("BadRequestError", 400, None, "speed"),
                  "too_long": ("BadRequestError", 400, None, "input"),
                  "bad_key": ("AuthenticationError", 401, "invalid_api_key", None),
                  "models_bad_key": ("AuthenticationError", 401, "invalid_api_key", None)}
        for name, (cls, status, code, param) in expect.items():
            o = outcomes[name]
            self.assertFalse(o["ok"], name)
            self.assertTrue(o["api_error"], o)
            self.assertEqual((o["error_class"], o["status"], o["code"], o["param"]),
                             (cls, status, code, param), o)
            self.assertEqual(o["type"], "invalid_request_error", o)

    def test_models_lists_the_mapped_names_and_usable_providers(self):
        o = self.sdk([{"name": "models", "kind": "models"}])["models"]
        self.assertTrue(o["ok"], o)
        for model in ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "espeak", "flite"):
            self.assertIn(model, o["ids"])
        self.assertNotIn("elevenlabs", o["ids"])  # no key configured: not usable


def post_speech(port, key, text, out, timeout=120):
    """POST /v1/audio/speech without stream_format on a connection of its own; `out` gets
    (status, lower-case headers, body) or the exception."""
    try:
        res = Client(port).request("POST", "/v1/audio/speech",
                                   {"model": "openai", "voice": "nova", "input": text},
                                   token=key, timeout=timeout)
        out.append((res.status, res.headers, res.body))
    except Exception as e:  # noqa: BLE001 - the test reports it
        out.append(e)


class WholeFileWaitTest(unittest.TestCase):
    """A request without stream_format waits for its job without holding a server thread: more
    of them than the server's 32 blocking threads leave the other routes answering; a server
    that stops answers the waiting ones at once (503, the job named, no retry)."""

    def start_server(self, **env):
        vendor = mock_vendors.OpenAiMock().start()
        self.addCleanup(vendor.stop)
        server = Server(BINARY, **mock_vendors.provider_env({"openai": vendor}), **env).start()
        self.addCleanup(server.close)
        key = server.request("POST", "/api-keys", {"name": "waits"},
                             token=server.login()).json()["key"]
        return vendor, server, key

    def accepted(self, server):
        return sum(1 for e in server.logs() if e.get("msg") == "speech job accepted")

    def test_waiting_requests_hold_no_thread(self):
        vendor, server, key = self.start_server()
        vendor.fail_next("hold", count=1000)  # every block waits in the vendor until released
        answers, threads = [], []
        for i in range(40):  # more than the 32 blocking threads
            t = threading.Thread(target=post_speech,
                                 args=(server.port, key, f"Waiting request number {i}.", answers))
            t.start()
            threads.append(t)
        poll_until(lambda: self.accepted(server) == 40, 60,
                   lambda: f"{self.accepted(server)} of 40 speech jobs accepted")
        started = time.monotonic()
        login = server.request("POST", "/token", "username=admin&password=" + ADMIN_PASSWORD,
                               {"Content-Type": "application/x-www-form-urlencoded"}, timeout=20)
        self.assertEqual(login.status, 200)  # a blocking route, answered while 40 requests wait
        self.assertLess(time.monotonic() - started, 10)
        vendor.release()
        for t in threads:
            t.join(180)
        self.assertEqual(len(answers), 40)
        for answer in answers:
            self.assertIsInstance(answer, tuple, answer)
            status, headers, body = answer
            self.assertEqual(status, 200, body[:300])
            self.assertEqual(headers["content-type"], "audio/mpeg")
            self.assertGreater(len(body), 1000)

    def subscriptions(self, server):
        text = server.request("GET", "/metrics", token=server.login()).body.decode()
        for line in text.splitlines():
            if line.startswith("polyvox_event_subscriptions "):
                return int(float(line.split()[1]))
        raise AssertionError("no polyvox_event_subscriptions in /metrics")

    def test_a_client_that_leaves_ends_its_wait(self):
        vendor, server, key = self.start_server()
        vendor.fail_next("hold", count=1000)
        self.assertEqual(self.subscriptions(server), 0)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/v1/audio/speech",
                     json.dumps({"model": "openai", "voice": "nova", "input": "Nobody waits."}),
                     {"Content-Type": "application/json", "Authorization": "Bearer " + key})
        poll_until(lambda: self.subscriptions(server) == 1, 30, "the request never waited")
        conn.close()  # the client leaves: the server stops waiting for it
        poll_until(lambda: self.subscriptions(server) == 0, 30,
                   lambda: f"{self.subscriptions(server)} subscriptions left")
        vendor.release()

    def test_a_stopping_server_answers_the_waiting_requests_at_once(self):
        vendor, server, key = self.start_server(SHUTDOWN_DRAIN_SECONDS="60")
        vendor.fail_next("hold", count=1000)
        answers = []
        t = threading.Thread(target=post_speech,
                             args=(server.port, key, "Held while the server stops.", answers))
        t.start()
        poll_until(lambda: self.accepted(server) == 1 and vendor.request_count() >= 1, 30,
                   "the speech job never reached the vendor")
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        t.join(30)
        self.assertLess(time.monotonic() - started, 20, "answered only after the drain")
        vendor.release()  # the worker's block, so that the server can finish stopping
        self.assertEqual(len(answers), 1)
        self.assertIsInstance(answers[0], tuple, answers[0])
        status, headers, body = answers[0]
        self.assertEqual(status, 503, body)
        self.assertEqual(headers["x-should-retry"], "false")
        self.assertIn(headers["x-polyvox-job-id"], json.loads(body)["error"]["message"])
        self.assertIn("stopping", json.loads(body)["error"]["message"])


class OpenAiVendorTest(unittest.TestCase):
    """/v1 in front of an OpenAI-kind vendor (mock). What the request says reaches the vendor
    for every sentence block (instructions, speed). A job whose vendor refuses its text for good:
    the whole-file request answers 500 server_error with the job's error (the SDK raises
    InternalServerError), the SSE stream ends with an error event instead of
    speech.audio.done."""

    @classmethod
    def setUpClass(cls):
        cls.vendor = mock_vendors.OpenAiMock().start()
        cls.server = Server(BINARY, **mock_vendors.provider_env({"openai": cls.vendor})).start()
        cls.token = cls.server.login()
        cls.key = cls.server.request("POST", "/api-keys", {"name": "failing"},
                                     token=cls.token).json()["key"]
        cls.out = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.vendor.stop()
        cls.out.cleanup()

    sdk = OpenAiSdkTest.sdk

    def test_instructions_and_speed_reach_the_vendor_for_every_sentence(self):
        before = len(self.vendor.requests())
        o = self.sdk([{"name": "told", "params": {
            "model": "openai", "voice": "nova", "speed": 1.5,
            "input": "Instructions reach the vendor. For each sentence block.",
            "instructions": "  Speak like a calm lighthouse keeper.  "}}])["told"]
        self.assertTrue(o["ok"], o)
        bodies = [r["json"] for r in self.vendor.requests()[before:]]
        self.assertEqual(sorted(b["input"] for b in bodies),
                         ["For each sentence block.", "Instructions reach the vendor."])
        for body in bodies:
            self.assertEqual(body["instructions"], "Speak like a calm lighthouse keeper.")
            self.assertEqual(body["speed"], 1.5)
        # Other instructions are another answer: not served from the cache of the first.
        o = self.sdk([{"name": "retold", "params": {
            "model": "openai", "voice": "nova", "speed": 1.5,
            "input": "Instructions reach the vendor. For each sentence block.",
            "instructions": "Whisper."}}])["retold"]
        self.assertTrue(o["ok"], o)
        self.assertEqual([r["json"]["instructions"] for r in self.vendor.requests()[before:]][2:],
                         ["Whisper.", "Whisper."])

    def test_a_failed_job_is_a_server_error_the_sdk_does_not_send_again(self):
        # The SDK's default retries (2) would each make a new job, billed again; here the second
        # would succeed (the vendor refuses once): the answer says not to retry.
        before = self.server.request("GET", "/jobs", token=self.token).json()["total"]
        self.vendor.fail_next("error", count=1, status=400, message="refused by the vendor")
        o = self.sdk([{"name": "failed", "max_retries": 2, "params": {
            "model": "openai", "voice": "nova", "input": "The vendor refuses this."}}])["failed"]
        self.assertFalse(o["ok"])
        self.assertEqual((o["error_class"], o["status"], o["type"]),
                         ("InternalServerError", 500, "server_error"), o)
        self.assertIn("failed", o["message"])
        total = self.server.request("GET", "/jobs", token=self.token).json()["total"]
        self.assertEqual(total, before + 1, "one request, one job")

    def test_a_failed_job_ends_its_sse_stream_with_an_error_event(self):
        self.vendor.fail_next("error", count=1, status=400, message="refused by the vendor")
        o = self.sdk([{"name": "sse_failed", "params": {
            "model": "openai", "voice": "nova", "input": "The vendor refuses this too.",
            "stream_format": "sse"}}])["sse_failed"]
        self.assertTrue(o["ok"], o)  # the stream itself was answered (200) before the failure
        with open(o["file"]) as f:
            events = [json.loads(line[len("data: "):]) for line in f.read().split("\n")
                      if line.startswith("data: ")]
        self.assertEqual(events[-1]["type"], "error", events)
        self.assertEqual(events[-1]["error"]["type"], "server_error")
        self.assertNotIn("speech.audio.done", [e["type"] for e in events])


class OpenWebUiCurlTest(unittest.TestCase):
    """The requests Open WebUI's audio router sends for its "openai" TTS engine: POST
    {base}/audio/speech with Content-Type and Authorization: Bearer headers (plus its
    X-OpenWebUI-User-* headers when forwarding is on) and the body {"input", "voice", "model"};
    it reads the whole body as the MP3 it caches."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY).start()
        token = cls.server.login()
        cls.key = cls.server.request("POST", "/api-keys", {"name": "webui"},
                                     token=token).json()["key"]
        cls.out = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.out.cleanup()

    def curl(self, *args):
        out = os.path.join(self.out.name, "body")
        run = subprocess.run(["curl", "-sS", "-o", out, "-w", "%{http_code} %{content_type}",
                              *args], capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        code, _, content_type = run.stdout.partition(" ")
        return int(code), content_type, out

    def base(self):
        return f"http://127.0.0.1:{self.server.port}/v1"

    def test_speech_as_open_webui_sends_it(self):
        body = json.dumps({"input": "Open WebUI reads this answer aloud.", "voice": "alloy",
                           "model": "tts-1"})
        code, content_type, out = self.curl(
            "-X", "POST", self.base() + "/audio/speech", "-H", "Content-Type: application/json",
            "-H", "Authorization: Bearer " + self.key, "-H", "X-OpenWebUI-User-Name: Ada",
            "-H", "X-OpenWebUI-User-Id: 1", "-H", "X-OpenWebUI-User-Email: ada@example.org",
            "-H", "X-OpenWebUI-User-Role: user", "--data-binary", body)
        self.assertEqual((code, content_type), (200, "audio/mpeg"))
        codec, _, seconds = probe(out)
        self.assertEqual(codec, "mp3")
        self.assertGreater(seconds, 1.0)

    def test_voices_and_models_as_open_webui_lists_them(self):
        code, _, out = self.curl(self.base() + "/audio/voices",
                                 "-H", "Authorization: Bearer " + self.key)
        self.assertEqual(code, 200)
        with open(out) as f:
            voices = json.load(f)["voices"]
        ids = [v["id"] for v in voices]
        self.assertIn("alloy", ids)
        self.assertIn("espeak:ar", ids)
        code, _, out = self.curl(self.base() + "/models", "-H", "Authorization: Bearer " + self.key)
        self.assertEqual(code, 200)
        with open(out) as f:
            models = json.load(f)
        self.assertEqual(models["object"], "list")
        self.assertIn("tts-1", [m["id"] for m in models["data"]])

    def test_a_body_far_larger_than_a_request_is_413_before_parsing(self):
        path = os.path.join(self.out.name, "large.json")
        with open(path, "w") as f:
            json.dump({"model": "tts-1", "voice": "alloy", "input": "x",
                       "pad": [""] * 100_000}, f)
        code, _, out = self.curl("-X", "POST", self.base() + "/audio/speech",
                                 "-H", "Content-Type: application/json",
                                 "-H", "Authorization: Bearer " + self.key,
                                 "--data-binary", "@" + path)
        self.assertEqual(code, 413)
        with open(out) as f:
            error = json.load(f)["error"]
        self.assertEqual(error["type"], "invalid_request_error")
        self.assertIn("over 262144 bytes", error["message"])

    def test_without_a_key_the_error_is_openais_shape(self):
        code, _, out = self.curl("-X", "POST", self.base() + "/audio/speech",
                                 "-H", "Content-Type: application/json",
                                 "--data-binary", '{"input":"x","voice":"alloy","model":"tts-1"}')
        self.assertEqual(code, 401)
        with open(out) as f:
            error = json.load(f)["error"]
        self.assertEqual(set(error), {"message", "type", "param", "code"})


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    SDK_DIR = sys.argv.pop(1)
    if len(sys.argv) > 1:
        NODE = sys.argv.pop(1)
    unittest.main(verbosity=2)
