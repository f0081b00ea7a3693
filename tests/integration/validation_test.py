#!/usr/bin/env python3
"""Validation that helps, against the real `polyvox serve`: every problem of a body at once,
repeated keys refused with their path, blocks with nothing to speak, voices and the scripts they
read, a body limit that follows the job limits, and /openapi.json's request examples accepted
exactly as they stand (what Swagger UI's "Try it out" sends)."""
import json
import os
import socket
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server  # noqa: E402

BINARY = None
SERVER = None
TOKEN = None

# The job limits of the report: 300 blocks of 4,000 characters were refused with 413
# by the fixed 1 MiB body limit. The body limit they now imply:
# 300 x (4000 x 4 + 1024 + 5 x 256) + 65536.
MAX_BLOCKS = 300
MAX_TEXT_CHARS = 4000
BODY_LIMIT = MAX_BLOCKS * (MAX_TEXT_CHARS * 4 + 1024 + 5 * 256) + 65536


def setUpModule():
    global SERVER, TOKEN
    SERVER = Server(BINARY, MAX_BLOCKS=MAX_BLOCKS, MAX_TEXT_CHARS=MAX_TEXT_CHARS).start()
    TOKEN = SERVER.login()
    # The user of the examples' sign-in (LoginForm's example in /openapi.json).
    assert SERVER.users("add", "demo", "--password", "demo-password").returncode == 0


def tearDownModule():
    code = SERVER.stop()
    SERVER.close()
    assert code == 0, f"serve exited with {code} after SIGTERM"


def raw_post(head_fields, body_parts):
    """Sends a POST /tts head and `body_parts` as they are on one connection, then reads the
    answer until the server closes: (status, parsed JSON body)."""
    with socket.create_connection(("127.0.0.1", SERVER.port), timeout=30) as sock:
        head = ["POST /tts HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                "Authorization: Bearer " + TOKEN, *head_fields, "", ""]
        sock.sendall("\r\n".join(head).encode())
        for part in body_parts:
            sock.sendall(part)
        answer = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def post_raw(path, body, token=None):
    return SERVER.request("POST", path, body.encode() if isinstance(body, str) else body,
                          token=token or TOKEN, headers={"Content-Type": "application/json"})


class AllErrorsAtOnceTest(unittest.TestCase):
    def test_a_job_gets_every_problem_first_one_in_front(self):
        # Only the first problem was reported: one round trip per mistake.
        res = SERVER.request("POST", "/tts", {
            "colour": 1,
            "blocks": [{"text": "a", "wait_after_ms": -1, "arabic": "no"}, {"voice": "en"},
                       {"text": "b", "provider": "flite", "voice": "zz"}]}, token=TOKEN)
        self.assertEqual(res.status, 400, res)
        error = res.json()["error"]
        self.assertEqual((error["code"], error["field"], error["message"]),
                         ("VALIDATION_ERROR", "colour", "unknown field"))
        self.assertEqual([d["field"] for d in error["details"]],
                         ["colour", "blocks[0].wait_after_ms", "blocks[0].arabic",
                          "blocks[1].text", "blocks[2].voice"])
        self.assertIn("unknown voice 'zz'", error["details"][4]["message"])

    def test_at_most_fifty_details(self):
        res = SERVER.request("POST", "/tts", {"blocks": [{"text": "a", "speed": 9}] * 120},
                             token=TOKEN)
        self.assertEqual(res.status, 400, res)
        details = res.json()["error"]["details"]
        self.assertEqual(len(details), 50)
        self.assertEqual(details[-1]["field"], "blocks[49].speed")

    def test_a_preview_and_an_api_key_get_every_problem_too(self):
        res = SERVER.request("POST", "/tts/preview", {"text": "a", "speed": 0, "pitch": 2},
                             token=TOKEN)
        self.assertEqual(res.status, 400, res)
        self.assertEqual([d["field"] for d in res.json()["error"]["details"]], ["speed", "pitch"])
        res = SERVER.request("POST", "/api-keys", {"label": "x", "expires_in_days": "soon"},
                             token=TOKEN)
        self.assertEqual(res.status, 400, res)
        self.assertEqual([d["field"] for d in res.json()["error"]["details"]],
                         ["label", "name", "expires_in_days"])


class DuplicateKeysTest(unittest.TestCase):
    # They were accepted silently, the last one winning.
    def test_a_job_names_the_repeated_key(self):
        res = post_raw("/tts", '{"blocks": [{"text": "a"}, {"text": "b", "voice": "en", '
                               '"voice": "fr"}], "project_id": "x", "project_id": "y"}')
        self.assertEqual(res.status, 400, res)
        error = res.json()["error"]
        self.assertEqual((error["field"], error["message"]), ("blocks[1].voice", "duplicate key"))
        self.assertEqual([d["field"] for d in error["details"]],
                         ["blocks[1].voice", "project_id"])

    def test_every_json_body_refuses_them(self):
        cases = [
            ("/tts/preview", '{"text": "a", "voice": "en", "voice": "fr"}', "voice"),
            ("/api-keys", '{"name": "a", "name": "b"}', "name"),
            ("/token", '{"username": "demo", "username": "admin", "password": "x"}', "username"),
            ("/session", '{"username": "demo", "password": "x", "password": "y"}', "password"),
        ]
        for path, body, field in cases:
            with self.subTest(path=path):
                res = post_raw(path, body)
                self.assertEqual(res.status, 400, res)
                self.assertEqual(res.json()["error"]["field"], field)
                self.assertEqual(res.json()["error"]["message"], "duplicate key")
        # /v1 answers in OpenAI's error shape, naming the parameter.
        res = post_raw("/v1/audio/speech",
                       '{"model": "tts-1", "input": "Hi", "voice": "alloy", "voice": "nova"}')
        self.assertEqual(res.status, 400, res)
        self.assertEqual(res.json()["error"]["param"], "voice")


class DeepNestingTest(unittest.TestCase):
    # Nesting had no bound: a body of brackets cost ~200 bytes of memory a byte (a document
    # level each, before any check, signed in or not), and the preview's dump() of one such body
    # overflowed the stack: one request stopped the server.
    def test_every_json_body_refuses_nesting_past_64_levels(self):
        deep = "[" * 300_000 + "]" * 300_000
        cases = [("/tts", '{"blocks": ' + deep + "}"),
                 ("/tts/preview", '{"text": "hi", "x": ' + deep + "}"), ("/token", deep),
                 ("/session", deep), ("/api-keys", '{"name": ' + deep + "}"),
                 ("/diacritize", '{"text": ' + deep + "}")]
        for path, body in cases:
            with self.subTest(path=path):
                res = post_raw(path, body)
                self.assertEqual(res.status, 400, res)
                self.assertRegex(res.json()["error"]["message"],
                                 r"^nested deeper than 64 levels at line 1, column \d+$")
        # /v1/audio/speech refuses bodies over 256 KiB first (413): a deep one within that.
        within = "[" * 100_000 + "]" * 100_000
        res = post_raw("/v1/audio/speech", '{"model": "tts-1", "input": ' + within + "}")
        self.assertEqual(res.status, 400, res)
        self.assertIn("nested deeper than 64 levels", res.json()["error"]["message"])
        # 64 levels are read as JSON: refused for what they hold, not for their depth.
        res = post_raw("/tts", '{"blocks": [' + "[" * 62 + "]" * 62 + "]}")
        self.assertEqual(res.status, 400, res)
        self.assertEqual(res.json()["error"]["field"], "blocks[0]")
        # Brackets inside strings are text.
        res = post_raw("/diacritize", '{"text": "' + "[{" * 100 + '"}')
        self.assertEqual(res.status, 200, res)
        self.assertEqual(SERVER.request("GET", "/health").status, 200)


class NothingSpeakableTest(unittest.TestCase):
    def test_a_block_of_punctuation_is_a_400_naming_it(self):
        # It failed the whole job at render time: "returned silent audio".
        for text in ("...", " - ", "\u2026", "!!!", "\U0001F600"):
            with self.subTest(text=text):
                res = SERVER.request("POST", "/tts", {"blocks": [
                    {"text": "Hello there.", "wait_after_ms": 200}, {"text": text}]},
                    token=TOKEN)
                self.assertEqual(res.status, 400, res)
                error = res.json()["error"]
                self.assertEqual(error["field"], "blocks[1].text")
                self.assertIn("nothing to speak", error["message"])
                self.assertIn("previous block's wait_after_ms", error["message"])

    def test_digits_and_letters_of_any_script_are_speakable(self):
        res = SERVER.request("POST", "/tts", {"blocks": [{"text": "42!"}]}, token=TOKEN)
        self.assertEqual(res.status, 202, res)


class ScriptsTest(unittest.TestCase):
    def test_arabic_to_an_english_voice_is_a_400_listing_voices_that_can(self):
        # It "completed" with 185 ms of near-silence and no warning.
        res = SERVER.request("POST", "/tts", {"blocks": [
            {"text": "Hello.", "provider": "espeak", "voice": "en-us"},
            {"text": "مرحبا بالعالم", "provider": "flite", "voice": "slt"}]}, token=TOKEN)
        self.assertEqual(res.status, 400, res)
        error = res.json()["error"]
        self.assertEqual(error["field"], "blocks[1].voice")
        for part in ("blocks[1]", "Arabic", "'slt'", "'flite'", "espeak:ar"):
            self.assertIn(part, error["message"])

    def test_an_arabic_flagged_block_counts_as_arabic(self):
        res = SERVER.request("POST", "/tts", {"blocks": [
            {"text": "marhaban", "arabic": True, "provider": "espeak", "voice": "en"}]},
            token=TOKEN)
        self.assertEqual(res.status, 400, res)
        self.assertIn("Arabic", res.json()["error"]["message"])

    def test_a_fallback_voice_that_reads_the_script_is_enough(self):
        res = SERVER.request("POST", "/tts", {"blocks": [
            {"text": "مرحبا بالعالم", "provider": "flite",
             "fallback": [{"provider": "espeak", "voice": "ar"}]}]}, token=TOKEN)
        self.assertEqual(res.status, 202, res)

    def test_voices_show_their_scripts(self):
        res = SERVER.request("GET", "/tts/voices/espeak", token=TOKEN)
        self.assertEqual(res.status, 200, res)
        scripts = {v["name"]: v["scripts"] for v in res.json()}
        self.assertEqual(scripts["ar"], ["Arabic"])
        self.assertEqual(scripts["en-us"], ["Latin"])
        self.assertEqual(scripts["ru"], ["Cyrillic"])
        res = SERVER.request("GET", "/tts/voices/flite", token=TOKEN)
        self.assertTrue(all(v["scripts"] == ["Latin"] for v in res.json()))
        cli = subprocess.run([BINARY, "voices", "espeak"], env=SERVER.env, cwd=SERVER.data_dir,
                             capture_output=True, text=True)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        self.assertIn("SCRIPTS", cli.stdout.splitlines()[0])
        arabic = [line for line in cli.stdout.splitlines() if line.split()[1:2] == ["ar"]]
        self.assertEqual(len(arabic), 1, cli.stdout)
        self.assertIn("Arabic", arabic[0])


class BodyLimitTest(unittest.TestCase):
    def test_a_job_within_the_job_limits_is_not_refused_for_its_size(self):
        # 300 blocks of 4,000 characters: 1.2 MB, over the old fixed 1 MiB limit (413). An
        # unknown field at its end makes it a 400 once parsed, so nothing is rendered.
        job = {"blocks": [{"text": ("word " * 800).strip().ljust(MAX_TEXT_CHARS, "x"),
                           "provider": "espeak", "voice": "en-us"}] * MAX_BLOCKS,
               "colour": 1}
        body = json.dumps(job).encode()
        self.assertGreater(len(body), 1 << 20)
        res = post_raw("/tts", body)
        self.assertEqual(res.status, 400, res)
        self.assertEqual(res.json()["error"]["field"], "colour")

    def test_a_413_names_the_limit_its_variable_and_the_size_received(self):
        # Refused from its Content-Length, before any of the body is read.
        declared = BODY_LIMIT + 1
        status, answer = raw_post([f"Content-Length: {declared}"], [])
        self.assertEqual(status, 413, answer)
        message = answer["error"]["message"]
        self.assertIn(f"of {declared} bytes", message)
        self.assertIn(f"limit of {BODY_LIMIT} bytes", message)
        self.assertIn("MAX_BODY_BYTES unset: MAX_BLOCKS x (MAX_TEXT_CHARS x 4 + 2304) + 65536",
                      message)

    def test_a_chunked_body_is_stopped_once_over_the_limit(self):
        # No Content-Length: counted while reading, and stopped at the limit.
        def chunk(size):
            return b"%x\r\n%s\r\n" % (size, b"a" * size)
        full, rest = divmod(BODY_LIMIT - 5, 65536)
        parts = [chunk(65536)] * full + [chunk(rest), chunk(10)]  # the last passes the limit
        status, answer = raw_post(["Transfer-Encoding: chunked"], parts)
        self.assertEqual(status, 413, answer)
        self.assertIn(f"more than {BODY_LIMIT} bytes", answer["error"]["message"])

    def test_a_set_limit_names_its_variable(self):
        server = Server(BINARY, MAX_BODY_BYTES=4096).start()
        try:
            token = server.login()
            body = b'{"blocks": [{"text": "' + b"a" * 5000 + b'"}]}'
            res = server.request("POST", "/tts", body, token=token,
                                 headers={"Content-Type": "application/json"})
            self.assertEqual(res.status, 413, res)
            self.assertEqual(res.json()["error"]["message"],
                             f"request body of {len(body)} bytes is over the limit of 4096 bytes"
                             " (MAX_BODY_BYTES)")
        finally:
            server.stop()
            server.close()


class OpenApiExamplesTest(unittest.TestCase):
    def test_every_request_example_is_accepted_as_it_stands(self):
        # Swagger UI's "Try it out" sent `provider: "string"` and failed.
        doc = SERVER.request("GET", "/openapi.json").json()
        token = None
        order = ["/token", "/session", "/tts", "/jobs/{job_id}/revisions", "/tts/preview",
                 "/diacritize", "/api-keys", "/v1/audio/speech"]
        job_id = None  # the job the /tts example made: the one its revision example revises
        bodies = []
        uploads = set()
        for path, operations in doc["paths"].items():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or "requestBody" not in operation:
                    continue
                for media_type, content in operation["requestBody"]["content"].items():
                    if content.get("schema", {}).get("format") == "binary":
                        # A file upload: Swagger UI asks for a file, there is no text to try
                        # (the cover upload is tested with real images in chapters_profiles).
                        uploads.add(path)
                        continue
                    self.assertIn("example", content, f"{method} {path} {media_type}")
                    bodies.append((path, method, media_type, content["example"]))
        self.assertEqual(sorted({b[0] for b in bodies}), sorted(order))
        self.assertEqual(uploads, {"/covers"})
        bodies.sort(key=lambda b: order.index(b[0]))
        for path, method, media_type, example in bodies:
            with self.subTest(path=path, media_type=media_type):
                if media_type == "application/x-www-form-urlencoded":
                    body = urllib.parse.urlencode(example)
                else:
                    body = json.dumps(example)
                target = path.replace("{job_id}", job_id or "")
                res = SERVER.request(method.upper(), target, body, token=token,
                                     headers={"Content-Type": media_type}, timeout=120)
                self.assertTrue(200 <= res.status < 300, f"{method} {path}: {res}")
                if path == "/token":
                    token = res.json()["access_token"]  # the example user signs in
                if path == "/tts":
                    job_id = res.json()["job_id"]


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
