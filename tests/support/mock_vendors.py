"""Mock servers that speak the protocols of the paid services Polyvox calls
(docs/providers.md): ElevenLabs, OpenAI speech (also Ghaymah), Ghaymah Pro, Kokoro and the
seed's diacritizer. Python 3 standard library only; run with Debian's /usr/bin/python3.

Each mock listens on 127.0.0.1 on a free port, checks the auth header exactly, answers with real
audio (a tone encoded as the vendor would: MP3 through the `lame` CLI, WAV, raw PCM, Ogg Opus /
AAC / FLAC through `ffmpeg`) whose duration follows the text length (MS_PER_CHAR per character,
at least MIN_MS, divided by the speed asked: OpenAI's `speed` 0.25..4, ElevenLabs'
voice_settings.speed 0.7..1.2, outside which they answer an error), sends error bodies and Retry-After as the vendor does, and keeps a log of the
requests it received and of the TCP connections they came on.

The audio "speaks" the text one character after another, each for an equal share of the
duration; a sentence end (. ! ? and the Arabic question mark) and the white space after it are
silence, so that sentences are separated by a pause of (1 + spaces) characters, as a voice
pauses between sentences. The word timings the vendors report follow that same timeline
(spoken_timeline): ElevenLabs' POST /v1/text-to-speech/{voice_id}/with-timestamps answers
{"audio_base64", "alignment": {"characters", "character_start_times_seconds",
"character_end_times_seconds"}, "normalized_alignment"}; Kokoro adds "timestamps": [{"word",
"start_time", "end_time"}] (words without their punctuation, as Kokoro-FastAPI's captioned speech
gives them) when the request has "return_timestamps": true.

In-process use (Python tests):

    from mock_vendors import ElevenLabsMock, OpenAiMock
    with ElevenLabsMock() as eleven:            # started; stopped on exit
        env = {"ELEVENLABS_BASE_URL": eleven.url, "ELEVENLABS_API_KEY": eleven.key}
        eleven.fail_next("rate_limit", count=2, retry_after=1)
        ... run polyvox ...
        assert eleven.request_count() == 3
        eleven.requests()[-1]["json"]["text"]

Out-of-process use (C++ tests, other languages): `python3 mock_vendors.py [--tls] [--h2-proxy]`
starts every mock, prints one JSON line {"<protocol>": {"url", "key", "port", "ca_file"}, ...}
and serves until its stdin closes or it gets SIGTERM. --h2-proxy adds "h2": nginx speaking HTTP/2
over TLS (self-signed, its ca_file given) in front of the kokoro mock. Every mock also answers, on its own port:
    POST /__mock__/faults    {"kind": ..., "count": n, ...params}   queue a fault (see fail_next)
    GET  /__mock__/requests  the request log (JSON list, see RecordedRequest)
    GET  /__mock__/stats     {"requests": n, "connections": n}
    POST /__mock__/reset     clear the log, the faults and the counters
    POST /__mock__/settings  {"ms_per_char": 60, "delay_s": 0.0, "max_concurrent": 0}
                             max_concurrent > 0: a request arriving while that many are being
                             answered gets the vendor's 429 (no Retry-After), counted in
                             stats' "rate_limited"

Faults, consumed one per protocol request in the order queued (fail_next(kind, count, **params)):
    rate_limit      429 with the vendor's body; retry_after=1 (seconds, None = no header),
                    retry_after_ms=None, retry_after_date=False (send an HTTP date instead)
    server_error    status=500 with the vendor's body
    error           status, code, message: any vendor-shaped error (401 quota_exceeded, 404 ...)
    quota           the vendor's quota-exhausted answer (ElevenLabs 401 quota_exceeded, OpenAI 429
                    insufficient_quota)
    hang            no answer for seconds=30, then the connection is closed
    slow            delay seconds=1, then the normal answer
    hold            no answer until the test calls release() (or seconds=60 pass), then the
                    normal answer
    garbage         200 with an audio Content-Type and random bytes
    truncated       200 with the first half of the audio (Content-Length matching)
    disconnect      200 announcing the full length, half the body, then the connection closes
    json_error_200  200 with Content-Type application/json and an error object
    empty           200 with an audio Content-Type and no body
    silent          200 with valid audio of the right length that is all silence
    no_alignment    (elevenlabs /with-timestamps) the audio with "alignment": null
    long_alignment  (elevenlabs /with-timestamps) an alignment of 100 times the text's characters
    missing_field   (diacritizer) 200 JSON without vocalized_text
    rewrite         (diacritizer) 200 with answer= as the vocalized text, whatever was sent (a
                    sequence-to-sequence model that dropped or changed words)
The diacritizer mock applies garbage, truncated and empty to its JSON answer.
"""
import base64
import email.utils
import http.server
import io
import json
import math
import os
import random
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import wave

MS_PER_CHAR = 60
MIN_MS = 200

DEFAULT_KEYS = {
    "elevenlabs": "test-elevenlabs-key-0123456789",
    "openai": "sk-test-openai-key-0123456789",
    "ghaymah": "test-ghaymah-key-0123456789",
    "ghaymah_pro": "test-ghaymah-pro-key-0123456789",
}

ELEVENLABS_VOICES = {
    "rachel": "21m00Tcm4TlvDq8ikWAM", "clyde": "2EiwWnXFnvU5JabPnv8n",
    "roger": "CwhRBWXzGAHq8TQ4Fs17", "sarah": "EXAVITQu4vr4xnSDxMaL",
    "laura": "FGY2WhTYpPnrIDTdsKH5", "thomas": "GBv7mTt0atIp3Br8iCZE",
    "charlie": "IKne3meq5aSn9XLyUdCD", "george": "JBFqnCBsd6RMkjVDRZzb",
    "callum": "N2lVS1w4EtoT3dr4eOWO", "river": "SAz9YHcvj6GT2YYXdXww",
    "harry": "SOYHLrjzK2X1ezoPC6cr", "liam": "TX3LPaxmHKxFdv7VOQHJ",
    "alice": "Xb7hH8MSUJpSbSDYk0k2", "matilda": "XrExE9yKIg1WjnnlVkGX",
    "will": "bIHbv24MWmeRgasZH58o", "jessica": "cgSgspJ2msm6clMCkdW9",
    "eric": "cjVigY5qzO86Huf0OWal", "chris": "iP95p4xoKVk53GoZ742B",
    "brian": "nPczCjzI2devNBz1zQrb", "daniel": "onwK4e9ZLuTAKqWW03F9",
    "lily": "pFZP5JQG7iQjIQuC4Bku", "bill": "pqHfZKP75CvOlQylNhV4",
}
# Voices only the live list (GET /v1/voices) knows: a cloned voice of the account.
ELEVENLABS_ACCOUNT_VOICES = {"Mock Narrator": "MockNarratorVoice001"}
ELEVENLABS_MODELS = ["eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5",
                     "eleven_v3"]

OPENAI_VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage",
                 "shimmer", "verse", "marin", "cedar"]
OPENAI_MODELS = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
OPENAI_FORMATS = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac",
                  "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm"}

HERE = os.path.dirname(os.path.abspath(__file__))


def ghaymah_voices():
    """The 322 Ghaymah voice names, read from the list compiled into Polyvox."""
    path = os.path.join(HERE, "..", "..", "src", "providers", "ghaymah_voice_list.cpp")
    names = []
    with open(path, encoding="utf-8") as f:
        inside = False
        for line in f:
            line = line.rstrip("\n")
            if line.endswith('R"('):
                inside = True
            elif line.startswith(')";'):
                inside = False
            elif inside and line:
                names.append(line)
    return names


# ---------------------------------------------------------------------------------------------
# Audio

def speech_ms(text, ms_per_char=MS_PER_CHAR):
    """How long the mocks' audio for `text` lasts, in milliseconds."""
    return max(MIN_MS, ms_per_char * len(text))


SENTENCE_ENDS = ".!?\u061f"


def spoken_timeline(text, total_ms):
    """[(start_ms, end_ms, silent)] per character of `text` over `total_ms`: every character an
    equal share; sentence ends and the white space after them silent."""
    n = max(1, len(text))
    step = total_ms / n
    out = []
    silent = False
    for i, c in enumerate(text):
        if c in SENTENCE_ENDS and (i + 1 == len(text) or text[i + 1].isspace()):
            silent = i + 1 < len(text)  # the last sentence end is not a pause
        elif not c.isspace():
            silent = False
        out.append((i * step, (i + 1) * step, silent))
    return out


def timeline_runs(text, total_ms):
    """The timeline as runs [(ms, silent)] with whole-millisecond boundaries."""
    runs = []
    for start, end, silent in spoken_timeline(text, total_ms):
        if runs and runs[-1][2] == silent:
            runs[-1][1] = end
        else:
            runs.append([start, end, silent])
    out, done = [], 0
    for _, end, silent in runs:
        edge = int(round(end))
        out.append((edge - done, silent))
        done = edge
    return tuple(out)


def tone_pcm(ms, rate, hz=220.0, amplitude=0.3):
    """Signed 16-bit little-endian mono samples of a sine (0 amplitude = silence)."""
    n = int(round(ms * rate / 1000.0))
    scale = 32767 * amplitude
    step = 2 * math.pi * hz / rate
    return struct.pack("<%dh" % n, *(int(scale * math.sin(step * i)) for i in range(n)))


def wav_bytes(pcm, rate):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def mp3_bytes(pcm, rate, kbps=128):
    """MP3 through the lame CLI, as a vendor's encoder would produce it. Written to a file (not a
    pipe) so that lame can fill in its Info tag: encoder delay and padding are then known and the
    decoded duration is exactly the tone's."""
    khz = "%g" % (rate / 1000.0)
    with tempfile.TemporaryDirectory(prefix="mock-mp3-") as tmp:
        path = os.path.join(tmp, "out.mp3")
        subprocess.run(
            ["lame", "-r", "-s", khz, "--bitwidth", "16", "--signed", "--little-endian", "-m",
             "m", "-b", str(kbps), "--silent", "-", path],
            input=pcm, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        with open(path, "rb") as f:
            return f.read()


def ffmpeg_bytes(pcm, rate, fmt):
    args = {"opus": ["-c:a", "libopus", "-f", "ogg"], "aac": ["-c:a", "aac", "-f", "adts"],
            "flac": ["-c:a", "flac", "-f", "flac"]}[fmt]
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-"] + args +
        ["-"], input=pcm, stdout=subprocess.PIPE, check=True).stdout


class AudioCache:
    """Encoded tones by (ms, rate, format, kbps, silent): lame and ffmpeg run once per shape."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = {}

    def get(self, ms, rate, fmt, kbps=128, silent=False, hz=220.0, runs=None):
        """`runs`: [(ms, silent)] that make up the `ms` (default: one run of tone)."""
        runs = runs or ((ms, False),)
        key = (ms, rate, fmt, kbps, silent, hz, runs)
        with self.lock:
            if key in self.items:
                return self.items[key]
        pcm = b"".join(tone_pcm(run_ms, rate, hz=hz,
                                amplitude=0.0 if silent or run_silent else 0.3)
                       for run_ms, run_silent in runs)
        if fmt == "pcm":
            data = pcm
        elif fmt == "wav":
            data = wav_bytes(pcm, rate)
        elif fmt == "mp3":
            data = mp3_bytes(pcm, rate, kbps)
        else:
            data = ffmpeg_bytes(pcm, rate, fmt)
        with self.lock:
            self.items[key] = data
        return data


AUDIO = AudioCache()


# ---------------------------------------------------------------------------------------------
# Server machinery

class Reply:
    def __init__(self, status, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = dict(headers or {})

    @staticmethod
    def json(status, obj, headers=None):
        return Reply(status, json.dumps(obj), "application/json", headers)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-vendor/1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, fmt, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        self.connection_id = self.server.mock._new_connection()

    def _serve(self):
        mock = self.server.mock
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path.startswith("/__mock__/"):
            return self._send(mock._control(self.command, parsed.path, body))
        record = mock._record(self, parsed, body)
        if not mock._enter():
            return self._send(mock.fault_reply({"kind": "rate_limit", "retry_after": None}))
        self._admitted = True  # until its answer starts: a client may send its next one then
        try:
            self._answer(mock, parsed, record)
        finally:
            self._leave()

    def _leave(self):
        if getattr(self, "_admitted", False):
            self._admitted = False
            self.server.mock._leave()

    def _answer(self, mock, parsed, record):
        fault = mock._take_fault()
        if mock.delay_s:
            time.sleep(mock.delay_s)
        if fault and fault["kind"] == "hang":
            mock._stopping.wait(fault.get("seconds", 30))
            self.close_connection = True
            return
        if fault and fault["kind"] == "hold":
            mock._released.wait(fault.get("seconds", 60))
            fault = None
        if fault and fault["kind"] == "slow":
            time.sleep(fault.get("seconds", 1))
            fault = None
        try:
            reply = mock.handle(self.command, parsed.path, record, fault)
        except Exception as e:  # a bug in the mock: say so in the answer
            reply = Reply(599, "mock error: %r" % (e,), "text/plain")
        if fault and fault["kind"] == "disconnect" and reply.status == 200:
            self._leave()
            self.send_response(200)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(reply)

    def _send(self, reply):
        self._leave()
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: many clients connecting at once (workers
    # opening their connections) would see SYNs dropped and retried a second later.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # clients that give up (timeouts, cancellations, refused certificates) are expected


class MockServer:
    """Base of the protocol mocks: a threaded HTTP server with a request log and a fault queue.
    Subclasses implement handle(); `url` is what Polyvox should be configured with."""

    name = "mock"
    path = ""  # appended to http://127.0.0.1:port to make `url`
    rate_limit_code = "rate_limit_exceeded"

    def __init__(self, key=None, tls_context=None, ms_per_char=MS_PER_CHAR):
        self.key = key
        self.ms_per_char = ms_per_char
        self.delay_s = 0.0
        self.max_concurrent = 0
        self._in_flight = 0
        self._rate_limited = 0
        self._tls = tls_context
        self._lock = threading.Lock()
        self._log = []
        self._faults = []
        self._connections = 0
        self._stopping = threading.Event()
        self._released = threading.Event()
        self._server = None
        self._thread = None

    # lifecycle -----------------------------------------------------------------------------
    def start(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.mock = self
        if self._tls:
            self._server.socket = self._tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def origin(self):
        return "%s://127.0.0.1:%d" % ("https" if self._tls else "http", self.port)

    @property
    def url(self):
        return self.origin + self.path

    # test control ---------------------------------------------------------------------------
    def fail_next(self, kind, count=1, **params):
        """Queues `count` faults of `kind` (see the module docstring) for the next requests."""
        with self._lock:
            for _ in range(count):
                self._faults.append(dict(params, kind=kind))

    def requests(self):
        """The protocol requests received so far: dicts with method, path, query (dict of
        lists), headers (lower-case names), body (str), json (parsed or None), connection."""
        with self._lock:
            return [dict(r) for r in self._log]

    def request_count(self):
        with self._lock:
            return len(self._log)

    def connection_count(self):
        """TCP connections that carried at least one protocol request."""
        with self._lock:
            return len({r["connection"] for r in self._log})

    def wait_for_requests(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.request_count() >= n:
                return True
            time.sleep(0.01)
        return False

    def release(self):
        """Answers the requests held by `hold` faults, and any later ones at once."""
        self._released.set()

    def reset(self):
        with self._lock:
            self._log.clear()
            self._faults.clear()
            self._rate_limited = 0
        self.delay_s = 0.0
        self.max_concurrent = 0
        self._released.clear()

    def describe(self):
        return {"url": self.url, "key": self.key, "port": self.port}

    # internals ------------------------------------------------------------------------------
    def _new_connection(self):
        with self._lock:
            self._connections += 1
            return self._connections

    def _record(self, handler, parsed, body):
        text = body.decode("utf-8", "replace")
        try:
            parsed_json = json.loads(text) if text else None
        except ValueError:
            parsed_json = None
        record = {"method": handler.command, "path": parsed.path,
                  "query": urllib.parse.parse_qs(parsed.query),
                  "headers": {k.lower(): v for k, v in handler.headers.items()},
                  "body": text, "json": parsed_json, "connection": handler.connection_id,
                  "time": time.time()}
        with self._lock:
            self._log.append(record)
        return record

    def _enter(self):
        """Admits a protocol request under max_concurrent; False: over it (counted)."""
        with self._lock:
            if self.max_concurrent and self._in_flight >= self.max_concurrent:
                self._rate_limited += 1
                return False
            self._in_flight += 1
            return True

    def _leave(self):
        with self._lock:
            self._in_flight -= 1

    def _take_fault(self):
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _control(self, method, path, body):
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return Reply.json(400, {"error": "control body is not JSON"})
        if path == "/__mock__/faults" and method == "POST":
            payload = dict(payload)
            kind = payload.pop("kind", None)
            if not kind:
                return Reply.json(400, {"error": "kind is required"})
            self.fail_next(kind, payload.pop("count", 1), **payload)
            return Reply.json(200, {"queued": True})
        if path == "/__mock__/requests":
            return Reply.json(200, self.requests())
        if path == "/__mock__/stats":
            with self._lock:
                rate_limited = self._rate_limited
            return Reply.json(200, {"requests": self.request_count(),
                                    "connections": self.connection_count(),
                                    "rate_limited": rate_limited})
        if path == "/__mock__/release" and method == "POST":
            self.release()
            return Reply.json(200, {"released": True})
        if path == "/__mock__/reset" and method == "POST":
            self.reset()
            return Reply.json(200, {"reset": True})
        if path == "/__mock__/settings" and method == "POST":
            self.ms_per_char = payload.get("ms_per_char", self.ms_per_char)
            self.delay_s = payload.get("delay_s", self.delay_s)
            self.max_concurrent = payload.get("max_concurrent", self.max_concurrent)
            return Reply.json(200, {"ms_per_char": self.ms_per_char, "delay_s": self.delay_s,
                                    "max_concurrent": self.max_concurrent})
        return Reply.json(404, {"error": "unknown control path"})

    # shared answers ---------------------------------------------------------------------------
    def audio_reply(self, text, rate, fmt, content_type, fault, kbps=128, headers=None, hz=220.0,
                    speed=1.0):
        """The audio answer for `text` spoken at `speed` (2.0: half as long), or the fault's
        version of it."""
        kind = fault["kind"] if fault else None
        ms = self.spoken_ms(text, speed)
        data = AUDIO.get(ms, rate, fmt, kbps, silent=(kind == "silent"), hz=hz,
                         runs=timeline_runs(text, ms))
        if kind == "garbage":
            data = random.Random(len(text)).randbytes(max(1000, len(data)))
        elif kind == "truncated":
            data = data[: len(data) // 2]
        elif kind == "empty":
            data = b""
        return Reply(200, data, content_type, headers)

    def spoken_ms(self, text, speed=1.0):
        return int(round(speech_ms(text, self.ms_per_char) / speed))

    def word_timestamps(self, text, speed=1.0):
        """[{"word", "start_time", "end_time"}] (seconds) of the white-space delimited words of
        `text` without their leading and trailing punctuation, on the audio's timeline."""
        timeline = spoken_timeline(text, self.spoken_ms(text, speed))
        words, i = [], 0
        while i < len(text):
            if text[i].isspace():
                i += 1
                continue
            j = i
            while j < len(text) and not text[j].isspace():
                j += 1
            letters = [k for k in range(i, j) if text[k].isalnum()]
            if letters:
                first, last = letters[0], letters[-1]
                words.append({"word": text[first:last + 1],
                              "start_time": round(timeline[first][0] / 1000.0, 4),
                              "end_time": round(timeline[last][1] / 1000.0, 4)})
            i = j
        return words

    @staticmethod
    def retry_headers(fault):
        headers = {}
        retry_after = fault.get("retry_after", 1)
        if fault.get("retry_after_date"):
            when = time.time() + (retry_after or 0)
            headers["Retry-After"] = email.utils.formatdate(when, usegmt=True)
        elif retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if fault.get("retry_after_ms") is not None:
            headers["retry-after-ms"] = str(fault["retry_after_ms"])
        return headers

    def error_reply(self, status, code, message, headers=None):
        """An error in this vendor's shape. Subclasses override."""
        return Reply.json(status, {"error": {"message": message, "code": code}}, headers)

    def fault_reply(self, fault):
        """The answer for an error fault, or None when there is no fault or it changes the audio
        instead."""
        if not fault:
            return None
        kind = fault["kind"]
        if kind == "rate_limit":
            return self.error_reply(429, fault.get("code", self.rate_limit_code),
                                    fault.get("message", "Too many requests, slow down"),
                                    self.retry_headers(fault))
        if kind == "server_error":
            return self.error_reply(fault.get("status", 500), fault.get("code", "server_error"),
                                    fault.get("message", "Internal server error"),
                                    self.retry_headers(fault) if "retry_after" in fault else None)
        if kind == "error":
            return self.error_reply(fault.get("status", 400), fault.get("code", "bad_request"),
                                    fault.get("message", "Bad request"))
        if kind == "quota":
            return self.quota_reply()
        if kind == "json_error_200":
            return Reply.json(200, {"error": {"message": fault.get("message", "model overloaded"),
                                              "code": fault.get("code", "server_error")}})
        if kind == "json_body":  # any JSON answer the test writes: a vendor's odd or hostile one
            return Reply.json(fault.get("status", 200), fault["body"])
        return None

    rate_limit_code = "rate_limit_exceeded"

    def quota_reply(self):
        return self.error_reply(429, "insufficient_quota", "You exceeded your current quota")


def _json_body(record):
    return record["json"] if isinstance(record["json"], dict) else None


# ---------------------------------------------------------------------------------------------
# Protocols

class ElevenLabsMock(MockServer):
    """POST /v1/text-to-speech/{voice_id}?output_format=..., GET /v1/voices, GET /v1/models."""

    name = "elevenlabs"
    rate_limit_code = "too_many_concurrent_requests"

    def __init__(self, key=DEFAULT_KEYS["elevenlabs"], **kw):
        super().__init__(key=key, **kw)
        self.voice_ids = set(ELEVENLABS_VOICES.values()) | set(ELEVENLABS_ACCOUNT_VOICES.values())

    def error_reply(self, status, code, message, headers=None):
        return Reply.json(status, {"detail": {"status": code, "message": message}}, headers)

    def quota_reply(self):
        return self.error_reply(401, "quota_exceeded",
                                "This request exceeds your quota of 10000. You have 12 credits "
                                "remaining, while 600 credits are required for this request.")

    def handle(self, method, path, record, fault):
        if record["headers"].get("xi-api-key") != self.key:
            return self.error_reply(401, "invalid_api_key", "Invalid API key")
        if method == "GET" and path == "/v1/voices":
            voices = [{"voice_id": vid, "name": name.capitalize(), "category": "premade",
                       "labels": {"accent": "american", "gender": "female"
                                  if name in ("rachel", "sarah", "laura", "alice", "matilda",
                                              "jessica", "lily") else "male"}}
                      for name, vid in ELEVENLABS_VOICES.items()]
            voices += [{"voice_id": vid, "name": name, "category": "cloned",
                        "labels": {"gender": "female", "language": "en"}}
                       for name, vid in ELEVENLABS_ACCOUNT_VOICES.items()]
            reply = self.fault_reply(fault)
            if reply:
                return reply
            return Reply.json(200, {"voices": voices})
        if method == "GET" and path == "/v1/models":
            return Reply.json(200, [{"model_id": m, "can_do_text_to_speech": True,
                                     "max_characters_request_subscribed_user": 10000}
                                    for m in ELEVENLABS_MODELS])
        prefix = "/v1/text-to-speech/"
        if method != "POST" or not path.startswith(prefix):
            return self.error_reply(404, "not_found", "Not found")
        voice_id = urllib.parse.unquote(path[len(prefix):])
        timestamps = voice_id.endswith("/with-timestamps")
        if timestamps:
            voice_id = voice_id[:-len("/with-timestamps")]
        reply = self.fault_reply(fault)
        if reply:
            return reply
        body = _json_body(record)
        if body is None:
            return Reply.json(422, {"detail": [{"loc": ["body"], "msg": "Invalid JSON body",
                                                "type": "value_error.jsondecode"}]})
        if not isinstance(body.get("text"), str) or not body["text"]:
            return Reply.json(422, {"detail": [{"loc": ["body", "text"], "msg": "field required",
                                                "type": "value_error.missing"}]})
        if voice_id not in self.voice_ids:
            return self.error_reply(404, "voice_not_found",
                                    "A voice with the voice_id %s was not found." % voice_id)
        model = body.get("model_id", "eleven_multilingual_v2")
        if model not in ELEVENLABS_MODELS:
            return self.error_reply(400, "model_not_found", "Model %s does not exist" % model)
        fmt = record["query"].get("output_format", ["mp3_44100_128"])[0]
        parts = fmt.split("_")
        try:
            if parts[0] == "mp3" and len(parts) == 3:
                rate, kbps, enc, ctype = int(parts[1]), int(parts[2]), "mp3", "audio/mpeg"
            elif parts[0] == "pcm" and len(parts) == 2:
                rate, kbps, enc, ctype = int(parts[1]), 0, "pcm", "application/octet-stream"
            elif parts[0] == "opus" and len(parts) == 3:
                rate, kbps, enc, ctype = int(parts[1]), int(parts[2]), "opus", "audio/opus"
            else:
                raise ValueError(fmt)
        except ValueError:
            return Reply.json(422, {"detail": [{"loc": ["query", "output_format"],
                                                "msg": "invalid output format",
                                                "type": "value_error"}]})
        settings = body.get("voice_settings") or {}
        speed = settings.get("speed", 1.0)
        if not isinstance(speed, (int, float)) or not 0.7 <= speed <= 1.2:
            return Reply.json(400, {"detail": {"status": "invalid_voice_settings",
                                               "message": "speed must be between 0.7 and 1.2"}})
        headers = {"request-id": "req-%d" % self.request_count(),
                   "character-cost": str(len(body["text"]))}
        hz = 200.0 + (sum(map(ord, voice_id)) % 200)
        reply = self.audio_reply(body["text"], rate, enc, ctype, fault, kbps, headers, hz, speed)
        if not timestamps:
            return reply
        text = body["text"]
        timeline = spoken_timeline(text, self.spoken_ms(text, speed))
        alignment = {"characters": list(text),
                     "character_start_times_seconds": [round(s / 1000.0, 4)
                                                       for s, _, _ in timeline],
                     "character_end_times_seconds": [round(e / 1000.0, 4)
                                                     for _, e, _ in timeline]}
        if fault and fault["kind"] == "no_alignment":
            alignment = None
        elif fault and fault["kind"] == "long_alignment":
            alignment = {key: values * 100 for key, values in alignment.items()}
        return Reply.json(200, {"audio_base64": base64.b64encode(reply.body).decode("ascii"),
                                "alignment": alignment, "normalized_alignment": alignment},
                          headers)


class OpenAiMock(MockServer):
    """POST {base}/audio/speech with base .../v1. voices: OpenAI's (default) or, as the Ghaymah
    server, ghaymah_voices(). error_style: "openai" ({"error": {...}}), "string" ({"error":
    "..."}), "detail" ({"detail": "..."}) or "text" (plain text), as compatible servers vary."""

    name = "openai"
    path = "/v1"

    def __init__(self, key=DEFAULT_KEYS["openai"], voices=None, error_style="openai", **kw):
        super().__init__(key=key, **kw)
        self.voices = set(voices or OPENAI_VOICES)
        self.error_style = error_style

    def error_reply(self, status, code, message, headers=None):
        if self.error_style == "string":
            return Reply.json(status, {"error": message}, headers)
        if self.error_style == "detail":
            return Reply.json(status, {"detail": message}, headers)
        if self.error_style == "text":
            return Reply(status, message, "text/plain", headers)
        err_type = {429: "requests", 401: "invalid_request_error"}.get(status,
                                                                       "invalid_request_error")
        if status >= 500:
            err_type = "server_error"
        return Reply.json(status, {"error": {"message": message, "type": err_type, "param": None,
                                             "code": code}},
                          dict(headers or {}, **{"x-request-id": "req_mock"}))

    def handle(self, method, path, record, fault):
        auth = record["headers"].get("authorization", "")
        if auth != "Bearer " + self.key:
            given = auth[len("Bearer "):] if auth.startswith("Bearer ") else auth
            # As OpenAI does, the message repeats (part of) the key it was given.
            return self.error_reply(401, "invalid_api_key",
                                    "Incorrect API key provided: %s. You can find your API key at "
                                    "https://platform.openai.com/account/api-keys." % given)
        if method != "POST" or path != "/v1/audio/speech":
            return self.error_reply(404, "unknown_url", "Invalid URL (%s %s)" % (method, path))
        reply = self.fault_reply(fault)
        if reply:
            return reply
        body = _json_body(record)
        if body is None:
            return self.error_reply(400, None, "We could not parse the JSON body of your request.")
        for field in ("model", "input", "voice"):
            if not isinstance(body.get(field), str) or not body[field]:
                return self.error_reply(400, None, "Missing required parameter: '%s'." % field)
        if body["model"] not in OPENAI_MODELS:
            return self.error_reply(404, "model_not_found",
                                    "The model `%s` does not exist." % body["model"])
        if len(body["input"]) > 4096:
            return self.error_reply(400, "string_above_max_length",
                                    "Invalid 'input': string too long.")
        if body["voice"] not in self.voices:
            return self.error_reply(400, None, "Invalid value for 'voice': '%s'." % body["voice"])
        fmt = body.get("response_format", "mp3")
        if fmt not in OPENAI_FORMATS:
            return self.error_reply(400, None, "Invalid value for 'response_format'.")
        speed = body.get("speed", 1.0)
        if not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
            return self.error_reply(400, "decimal_above_max_value", "Invalid 'speed'.")
        hz = 200.0 + (sum(map(ord, body["voice"])) % 200)
        return self.audio_reply(body["input"], 24000, fmt, OPENAI_FORMATS[fmt], fault, 64,
                                {"x-request-id": "req_mock"}, hz, speed)


class GhaymahProMock(MockServer):
    """POST to the URL itself (/tts): Bearer, {input, voice "0".."3", response_format "mp3",
    speed}; MP3 back. Its error bodies are plain text (their real shape is unknown)."""

    name = "ghaymah_pro"
    path = "/tts"

    def __init__(self, key=DEFAULT_KEYS["ghaymah_pro"], **kw):
        super().__init__(key=key, **kw)

    def error_reply(self, status, code, message, headers=None):
        return Reply(status, message, "text/plain; charset=utf-8", headers)

    def quota_reply(self):
        return self.error_reply(402, "quota", "Payment required: credit exhausted")

    def handle(self, method, path, record, fault):
        if record["headers"].get("authorization") != "Bearer " + self.key:
            return self.error_reply(401, None, "Unauthorized")
        if method != "POST" or path != self.path:
            return self.error_reply(404, None, "Not Found")
        reply = self.fault_reply(fault)
        if reply:
            return reply
        body = _json_body(record)
        if body is None or not isinstance(body.get("input"), str) or not body["input"]:
            return self.error_reply(400, None, "input is required")
        if body.get("voice") not in ("0", "1", "2", "3"):
            return self.error_reply(400, None, "voice must be one of 0, 1, 2, 3")
        if body.get("response_format") != "mp3":
            return self.error_reply(400, None, "response_format must be mp3")
        if not isinstance(body.get("speed"), (int, float)):
            return self.error_reply(400, None, "speed must be a number")
        hz = 180.0 + 40 * int(body["voice"])
        return self.audio_reply(body["input"], 24000, "mp3", "audio/mpeg", fault, 64, None, hz)


class KokoroMock(MockServer):
    """POST to the URL itself (/kokoro), no auth, {text, voice_id} -> {"audio": "data:audio/wav;
    base64,..."} (24 kHz WAV)."""

    name = "kokoro"
    path = "/kokoro"

    def __init__(self, voice_ids=("0",), **kw):
        super().__init__(key=None, **kw)
        self.voice_ids = set(voice_ids)

    def error_reply(self, status, code, message, headers=None):
        return Reply.json(status, {"error": message}, headers)

    def quota_reply(self):
        return self.error_reply(429, None, "quota exhausted")

    def handle(self, method, path, record, fault):
        if method != "POST" or path != self.path:
            return self.error_reply(404, None, "Not Found")
        reply = self.fault_reply(fault)
        if reply:
            return reply
        body = _json_body(record)
        if body is None or not isinstance(body.get("text"), str) or not body["text"]:
            return self.error_reply(400, None, "text is required")
        if body.get("voice_id") not in self.voice_ids:
            return self.error_reply(400, None, "unknown voice_id %r" % (body.get("voice_id"),))
        reply = self.audio_reply(body["text"], 24000, "wav", "audio/wav", fault)
        encoded = base64.b64encode(reply.body).decode("ascii")
        answer = {"audio": "data:audio/wav;base64," + encoded}
        if body.get("return_timestamps") is True:
            answer["timestamps"] = self.word_timestamps(body["text"])
        return Reply.json(200, answer)


class DiacritizerMock(MockServer):
    """The seed's diacritizer: POST /diacritize {text, max_length, num_beams, temperature,
    do_sample} -> {"vocalized_text"} (legacy=True: {"diacritized_text"}). It puts a fatha
    (U+064E) after every Arabic letter, so a test can tell diacritized text apart."""

    name = "diacritizer"
    path = "/diacritize"

    def __init__(self, legacy=False, **kw):
        super().__init__(key=None, **kw)
        self.legacy = legacy

    def error_reply(self, status, code, message, headers=None):
        return Reply.json(status, {"detail": message}, headers)

    @staticmethod
    def vocalize(text):
        return "".join(c + "\u064e" if "\u0621" <= c <= "\u064a" else c for c in text)

    def handle(self, method, path, record, fault):
        if method != "POST" or path != self.path:
            return self.error_reply(404, None, "Not Found")
        reply = self.fault_reply(fault)
        if reply:
            return reply
        body = _json_body(record)
        if body is None or not isinstance(body.get("text"), str):
            return Reply.json(422, {"detail": [{"loc": ["body", "text"], "msg": "field required",
                                                "type": "value_error.missing"}]})
        field = "diacritized_text" if self.legacy else "vocalized_text"
        kind = fault["kind"] if fault else None
        text = fault["answer"] if kind == "rewrite" else self.vocalize(body["text"])
        answer = json.dumps({field: text}).encode()
        if kind == "garbage":
            answer = b"\x00not json"
        elif kind == "truncated":
            answer = answer[: len(answer) // 2]
        elif kind == "empty":
            answer = b""
        elif kind == "missing_field":  # 200 without the text field (the seed answered 500)
            answer = b'{"result": "ok"}'
        return Reply(200, answer, "application/json")


# ---------------------------------------------------------------------------------------------
# All of them at once

def self_signed_tls(directory):
    """A certificate for 127.0.0.1 (no CA trusts it) and a server context using it. Returns
    (context, path of the certificate PEM)."""
    cert = os.path.join(directory, "mock-cert.pem")
    key = os.path.join(directory, "mock-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, cert


def make_all(tls_context=None):
    """One started mock per protocol: elevenlabs, openai, ghaymah (OpenAI protocol with the
    Ghaymah voices and {"error": "..."} bodies), ghaymah_pro, kokoro, diacritizer."""
    return {
        "elevenlabs": ElevenLabsMock(tls_context=tls_context).start(),
        "openai": OpenAiMock(tls_context=tls_context).start(),
        "ghaymah": OpenAiMock(key=DEFAULT_KEYS["ghaymah"], voices=ghaymah_voices(),
                              error_style="string", tls_context=tls_context).start(),
        "ghaymah_pro": GhaymahProMock(tls_context=tls_context).start(),
        "kokoro": KokoroMock(tls_context=tls_context).start(),
        "diacritizer": DiacritizerMock(tls_context=tls_context).start(),
    }


def provider_env(mocks):
    """The environment that points Polyvox's built-in providers at `mocks` (from make_all)."""
    env = {}
    if "elevenlabs" in mocks:
        env.update(ELEVENLABS_BASE_URL=mocks["elevenlabs"].url,
                   ELEVENLABS_API_KEY=mocks["elevenlabs"].key)
    if "openai" in mocks:
        env.update(OPENAI_BASE_URL=mocks["openai"].url, OPENAI_API_KEY=mocks["openai"].key)
    if "ghaymah" in mocks:
        env.update(GHAYMAH_API_BASE_URL=mocks["ghaymah"].url,
                   GHAYMAH_API_KEY=mocks["ghaymah"].key)
    if "ghaymah_pro" in mocks:
        env.update(GHAYMAH_PRO_API_BASE_URL=mocks["ghaymah_pro"].url,
                   GHAYMAH_PRO_API_KEY=mocks["ghaymah_pro"].key)
    if "kokoro" in mocks:
        env.update(KOKORO_API_BASE_URL=mocks["kokoro"].url)
    if "diacritizer" in mocks:
        env.update(DIACRITIZER_URL=mocks["diacritizer"].url)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_h2_proxy(workdir, upstream):
    """nginx speaking HTTP/2 over TLS on a free port (self-signed certificate) in front of the
    mock `upstream`, for tests of HTTP/2 negotiation. Returns (process, description)."""
    prefix = os.path.join(workdir, "nginx")
    os.makedirs(prefix, exist_ok=True)
    _, cert = self_signed_tls(prefix)
    key = os.path.join(prefix, "mock-key.pem")
    port = free_port()
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""
pid %(p)s/nginx.pid;
error_log %(p)s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %(p)s/body; proxy_temp_path %(p)s/proxy;
  fastcgi_temp_path %(p)s/fastcgi; uwsgi_temp_path %(p)s/uwsgi; scgi_temp_path %(p)s/scgi;
  server {
    listen 127.0.0.1:%(port)d ssl http2;
    ssl_certificate %(cert)s; ssl_certificate_key %(key)s;
    location / { proxy_pass %(upstream)s; proxy_http_version 1.1; }
  }
}
""" % {"p": prefix, "port": port, "cert": cert, "key": key, "upstream": upstream.origin})
    process = subprocess.Popen(["nginx", "-p", prefix, "-e", os.path.join(prefix, "error.log"),
                                "-c", conf, "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() >= deadline:
                process.kill()
                process.wait()
                log = os.path.join(prefix, "error.log")
                said = open(log).read() if os.path.exists(log) else ""
                raise RuntimeError(f"nginx did not listen on port {port}: {said.strip()}")
            time.sleep(0.02)
    return process, {"url": "https://127.0.0.1:%d%s" % (port, upstream.path), "port": port,
                     "key": upstream.key, "ca_file": cert, "upstream": upstream.name}


def main(argv):
    tls = "--tls" in argv
    workdir = tempfile.mkdtemp(prefix="mock-vendors-")
    context, ca_file = self_signed_tls(workdir) if tls else (None, "")
    mocks = make_all(context)
    description = {name: dict(m.describe(), ca_file=ca_file) for name, m in mocks.items()}
    nginx = None
    if "--h2-proxy" in argv and not tls:
        # "h2": HTTP/2 over TLS in front of the kokoro mock (its control endpoints too).
        nginx, description["h2"] = start_h2_proxy(workdir, mocks["kokoro"])
    sys.stdout.write(json.dumps(description) + "\n")
    sys.stdout.flush()
    try:
        # Serve until the parent closes our stdin (or dies) or sends SIGTERM.
        while sys.stdin.buffer.read(4096):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        shutil.rmtree(workdir, ignore_errors=True)
        sys.stdout.flush()
        os._exit(0)  # handler threads may still hang on a fault: do not wait for them


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    main(sys.argv[1:])
