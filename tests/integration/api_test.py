#!/usr/bin/env python3
"""The HTTP API end to end against the real `polyvox serve` (embedded mode): the seed's flow,
authentication, validation, audio delivery, ownership, cancel/delete."""
import base64
import hashlib
import hmac
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import (ADMIN_PASSWORD, SECRET_KEY, Server, decoded_samples,  # noqa: E402
                            poll_until)

BINARY = None
SERVER = None
TOKEN = None

SEED_JOB = {
    "project_id": "seed-flow",
    "user_id": "someone",
    "blocks": [
        {"text": "Hello from the first block.", "provider": "espeak", "voice": "en-us",
         "wait_after_ms": 300},
        {"text": "And this is the second block, in another voice.", "provider": "flite",
         "voice": "slt", "wait_after_ms": 500},
        {"text": "مرحبا بالعالم", "provider": "espeak", "voice": "ar", "arabic": True},
    ],
}


def setUpModule():
    global SERVER, TOKEN
    SERVER = Server(BINARY, MAX_BODY_BYTES=65536).start()
    TOKEN = SERVER.login()


def tearDownModule():
    code = SERVER.stop()
    SERVER.close()
    assert code == 0, f"serve exited with {code} after SIGTERM"


def user_id(name):
    """The stable id of user `name` (`polyvox users list`: name, role, id)."""
    for line in SERVER.users("list").stdout.splitlines():
        fields = line.split("\t")
        if fields[0] == name:
            return fields[2]
    raise AssertionError(f"no user {name}")


def eventually_unauthenticated(token, path="/jobs"):
    """The answer to `token` once the server saw a change another process made to the users
    (its user cache keeps an entry for at most a second): polled for up to three."""
    deadline = time.monotonic() + 3.0
    res = SERVER.request("GET", path, token=token)
    while res.status != 401 and time.monotonic() < deadline:
        res = SERVER.request("GET", path, token=token)
    return res


def read_terminal_until(fd, marker, timeout=30):
    """What a terminal's controller reads until `marker` (b"": whatever is there now)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen or not marker:
        ready, _, _ = select.select([fd], [], [], 0 if not marker else
                                    max(0.0, deadline - time.monotonic()))
        if not ready:
            if marker:
                raise AssertionError(f"no {marker!r} on the terminal: {seen!r}")
            return seen
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the other side is closed
            return seen
        if not chunk:
            return seen
        seen += chunk
    return seen


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(payload, alg="HS256", key=SECRET_KEY.encode(), header=None):
    """A token signed like the server signs them (the test knows SECRET_KEY)."""
    head = b64url(json.dumps(header or {"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(payload).encode())
    signing_input = f"{head}.{body}".encode()
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}.get(alg)
    signature = b64url(hmac.new(key, signing_input, digest).digest()) if digest else ""
    return f"{head}.{body}.{signature}"


class SeedFlowTest(unittest.TestCase):
    def test_token_submit_status_result_audio(self):
        job_id = SERVER.submit(TOKEN, SEED_JOB)
        status = SERVER.wait_for(TOKEN, job_id)
        self.assertEqual(status["status"], "completed", status)
        self.assertEqual(status["progress"], "3/3")
        self.assertEqual([b["status"] for b in status["blocks"]], ["done"] * 3)
        self.assertTrue(status["result_url"].startswith("http://127.0.0.1:"))

        result = SERVER.request("GET", f"/result/{job_id}", token=TOKEN)
        self.assertEqual(result.status, 200)
        body = result.json()
        self.assertEqual(body["result_url"], status["result_url"])
        self.assertEqual(len(body["block_urls"]), 3)
        self.assertEqual(body["block_urls"][1]["index"], 1)
        self.assertIn("/result/%s/block/1/audio" % job_id,
                      body["block_urls"][1]["urls"]["primary_url"])
        manifest = body["manifest"]
        self.assertEqual([b["pause_ms"] for b in manifest["blocks"]], [300, 500, 0])
        self.assertNotIn(SERVER.data_dir, result.body.decode())  # no server paths

        audio = SERVER.request("GET", f"/result/{job_id}/audio", token=TOKEN)
        self.assertEqual(audio.status, 200)
        self.assertEqual(audio.headers["content-type"], "audio/mpeg")
        self.assertIn('filename="final_audio.mp3"', audio.headers["content-disposition"])
        samples, errors = decoded_samples(audio.body)
        self.assertEqual(errors, "")
        self.assertAlmostEqual(samples * 1000.0 / 44100, manifest["duration_ms"], delta=30)

        block = SERVER.request("GET", f"/result/{job_id}/block/2/audio", token=TOKEN)
        self.assertEqual(block.status, 200)
        self.assertIn('filename="block_2.mp3"', block.headers["content-disposition"])
        self.assertGreater(decoded_samples(block.body)[0], 0)

    def test_rachel_style_voice_names_and_defaults(self):
        job_id = SERVER.submit(TOKEN, {"blocks": [{"text": "Default voice, default provider."}]})
        self.assertEqual(SERVER.wait_for(TOKEN, job_id)["status"], "completed")

    def test_health_needs_no_token(self):
        res = SERVER.request("GET", "/health")
        self.assertEqual((res.status, res.json()), (200, {"status": "ok"}))
        self.assertTrue(res.headers["x-request-id"])

    def test_request_id_is_echoed(self):
        res = SERVER.request("GET", "/health", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(res.headers["x-request-id"], "abc-123")
        res = SERVER.request("GET", "/health", headers={"X-Request-ID": "bad id\twith tab"})
        self.assertNotEqual(res.headers["x-request-id"], "bad id\twith tab")

    def test_ready_reports_database_and_storage(self):
        res = SERVER.request("GET", "/ready")
        self.assertEqual(res.status, 200)
        self.assertEqual(res.json()["checks"], {"database": "ok", "storage": "ok"})

    def test_providers_and_voices(self):
        res = SERVER.request("GET", "/tts/providers", token=TOKEN)
        self.assertEqual(res.status, 200)
        self.assertIn("espeak", res.json())
        self.assertIn("flite", res.json())
        verbose = SERVER.request("GET", "/tts/providers?verbose=true", token=TOKEN).json()
        self.assertTrue(all({"name", "kind", "available"} <= set(p) for p in verbose))
        voices = SERVER.request("GET", "/tts/voices/flite", token=TOKEN)
        self.assertEqual(voices.status, 200)
        self.assertEqual(voices.json()[0], {"name": "slt", "voice_id": "slt", "language": "en-us",
                                            "gender": "female", "scripts": ["Latin"]})
        missing = SERVER.request("GET", "/tts/voices/nope", token=TOKEN)
        self.assertEqual(missing.status, 404)
        self.assertEqual(missing.error_code(), "UNKNOWN_PROVIDER")

    def test_jobs_list_is_newest_first_and_paginated(self):
        ids = [SERVER.submit(TOKEN, {"blocks": [{"text": f"List item {i}."}]}) for i in range(3)]
        page = SERVER.request("GET", "/jobs?limit=2", token=TOKEN).json()
        self.assertEqual(page["limit"], 2)
        self.assertEqual([j["job_id"] for j in page["jobs"]], ids[::-1][:2])
        self.assertGreaterEqual(page["total"], 3)
        second = SERVER.request("GET", "/jobs?limit=2&offset=1", token=TOKEN).json()
        self.assertEqual(second["jobs"][0]["job_id"], ids[1])
        bad = SERVER.request("GET", "/jobs?limit=0", token=TOKEN)
        self.assertEqual((bad.status, bad.json()["error"]["field"]), (400, "limit"))

    def test_usage_per_job_and_per_user_and_cache_hits(self):
        job = {"blocks": [{"text": "A sentence that is worth caching.", "provider": "flite"}]}
        first = SERVER.submit(TOKEN, job)
        SERVER.wait_for(TOKEN, first)
        usage = SERVER.request("GET", f"/status/{first}", token=TOKEN).json()["usage"]
        flite = next(u for u in usage if u["provider"] == "flite")
        self.assertEqual((flite["calls"], flite["characters"]), (1, 33))
        second = SERVER.submit(TOKEN, job)
        SERVER.wait_for(TOKEN, second)
        repeat = SERVER.request("GET", f"/result/{second}", token=TOKEN).json()["usage"]
        flite = next(u for u in repeat if u["provider"] == "flite")
        self.assertEqual((flite["calls"], flite["cache_hits"]), (0, 1))
        mine = SERVER.request("GET", "/usage", token=TOKEN).json()["users"]
        admin = next(u for u in mine if u["user"] == "admin")
        totals = next(p for p in admin["providers"] if p["provider"] == "flite")
        self.assertGreaterEqual(totals["cache_hits"], 1)
        self.assertGreaterEqual(totals["characters"], 33)

    def test_metrics_count_requests_and_jobs(self):
        SERVER.request("GET", "/health")
        text = SERVER.request("GET", "/metrics").body.decode()
        self.assertRegex(text, r'polyvox_http_requests_total\{route="/health",status="200"\} \d+')
        self.assertIn("polyvox_http_request_duration_seconds_bucket", text)
        self.assertIn('polyvox_jobs{status="completed"}', text)
        self.assertIn("polyvox_queue_depth", text)
        self.assertIn("polyvox_blocks_done_total", text)


class AuthTest(unittest.TestCase):
    def assert_unauthenticated(self, res):
        self.assertEqual(res.status, 401, res)
        self.assertEqual(res.headers.get("www-authenticate"), "Bearer")
        self.assertIn("code", res.json()["error"])

    def test_token_response_shape(self):
        res = SERVER.request("POST", "/token", "username=admin&password=" + ADMIN_PASSWORD,
                             {"Content-Type": "application/x-www-form-urlencoded"})
        body = res.json()
        self.assertEqual(body["token_type"], "bearer")
        self.assertEqual(body["expires_in"], 1800)
        self.assertEqual(len(body["access_token"].split(".")), 3)

    def test_wrong_password(self):
        res = SERVER.request("POST", "/token", "username=admin&password=wrong",
                             {"Content-Type": "application/x-www-form-urlencoded"})
        self.assert_unauthenticated(res)
        self.assertEqual(res.error_code(), "INVALID_CREDENTIALS")
        self.assertEqual(res.json()["error"]["message"], "Incorrect username or password")

    def test_missing_token(self):
        self.assert_unauthenticated(SERVER.request("GET", "/jobs"))
        self.assert_unauthenticated(SERVER.request("POST", "/tts", SEED_JOB))

    def test_expired_token(self):
        now = int(time.time())
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token=forge(
            {"sub": user_id("admin"), "ver": 0, "iat": now - 7200, "exp": now - 3600})))

    def test_forged_token_is_accepted_only_when_valid(self):
        # The forging helper itself is right: a fresh valid token works...
        now = int(time.time())
        admin = user_id("admin")
        valid = forge({"sub": admin, "ver": 0, "iat": now, "exp": now + 600})
        self.assertEqual(SERVER.request("GET", "/jobs", token=valid).status, 200)
        # ...and every deviation is refused.
        head, body, signature = valid.split(".")
        tampered_body = b64url(json.dumps({"sub": admin, "ver": 1, "iat": now,
                                           "exp": now + 600}).encode())
        self.assert_unauthenticated(SERVER.request("GET", "/jobs",
                                                   token=f"{head}.{tampered_body}.{signature}"))
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token=f"{head}.{body}.AAAA"))
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token=forge(
            {"sub": admin, "ver": 0, "exp": now + 600}, alg="none")))
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token=forge(
            {"sub": admin, "ver": 0, "exp": now + 600}, alg="HS512")))
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token=forge(
            {"sub": admin, "ver": 0, "exp": now + 600},
            key=b"another-key-0123456789abcdef-0123")))
        # Tokens naming the user by name (before token versions) and other versions are refused.
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token=forge(
            {"sub": "admin", "iat": now, "exp": now + 600})))
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token=forge(
            {"sub": admin, "ver": 1, "iat": now, "exp": now + 600})))
        self.assert_unauthenticated(SERVER.request("GET", "/jobs", token="not.a.token"))

    def test_token_of_removed_user(self):
        self.assertEqual(SERVER.users("add", "carol", "--password", "carol-password").returncode, 0)
        token = SERVER.login("carol", "carol-password")
        self.assertEqual(SERVER.request("GET", "/jobs", token=token).status, 200)
        self.assertEqual(SERVER.users("remove", "carol").returncode, 0)
        # Removed by another process: the server's user cache sees it within a second.
        self.assert_unauthenticated(eventually_unauthenticated(token))

    def test_password_change_revokes_the_tokens_issued_before(self):
        self.assertEqual(SERVER.users("add", "frank", "--password", "frank-password").returncode, 0)
        token = SERVER.login("frank", "frank-password")
        self.assertEqual(SERVER.request("GET", "/jobs", token=token).status, 200)
        passwd = SERVER.users("passwd", "frank", "--password", "frank-new-password")
        self.assertEqual(passwd.returncode, 0, passwd.stderr)
        self.assert_unauthenticated(eventually_unauthenticated(token))
        fresh = SERVER.login("frank", "frank-new-password")
        self.assertEqual(SERVER.request("GET", "/jobs", token=fresh).status, 200)

    def test_user_added_again_gets_neither_the_old_tokens_nor_the_old_jobs(self):
        SERVER.users("add", "gina", "--password", "gina-password")
        old_token = SERVER.login("gina", "gina-password")
        job_id = SERVER.submit(old_token, {"blocks": [{"text": "The first Gina's job."}]})
        self.assertEqual(SERVER.users("remove", "gina").returncode, 0)
        self.assertEqual(SERVER.users("add", "gina", "--password", "gina-password").returncode, 0)
        self.assert_unauthenticated(eventually_unauthenticated(old_token))
        new_token = SERVER.login("gina", "gina-password")
        res = SERVER.request("GET", f"/status/{job_id}", token=new_token)
        self.assertEqual((res.status, res.error_code()), (403, "UNAUTHORIZED_ACCESS"))
        self.assertEqual(SERVER.request("GET", "/jobs", token=new_token).json()["total"], 0)
        # Admins still see the job, under the name it was submitted with and the old id.
        job = SERVER.request("GET", f"/status/{job_id}", token=TOKEN).json()
        self.assertEqual(job["owner"], "gina")
        self.assertNotEqual(job["owner_id"], user_id("gina"))
        listed = SERVER.request("GET", f"/jobs?owner={job['owner_id']}", token=TOKEN).json()
        self.assertEqual([j["job_id"] for j in listed["jobs"]], [job_id])
        self.assertEqual(SERVER.request("GET", "/jobs?owner=gina", token=TOKEN).json()["total"], 0)

    def test_failed_logins_are_throttled(self):
        SERVER.users("add", "dave", "--password", "dave-password")
        codes = []
        for _ in range(8):
            res = SERVER.request("POST", "/token", "username=dave&password=nope",
                                 {"Content-Type": "application/x-www-form-urlencoded"})
            codes.append(res.status)
        self.assertIn(429, codes)
        limited = SERVER.request("POST", "/token", "username=dave&password=dave-password",
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(limited.status, 429)
        self.assertEqual(limited.error_code(), "RATE_LIMITED")
        self.assertGreaterEqual(int(limited.headers["retry-after"]), 1)

    def test_users_cli_reads_a_password_typed_on_a_terminal_without_echo(self):
        controller, terminal = pty.openpty()
        try:
            proc = subprocess.Popen([BINARY, "users", "add", "hidden"], env=SERVER.env,
                                    cwd=SERVER.data_dir, stdin=terminal, stdout=subprocess.PIPE,
                                    stderr=terminal, text=True)
            seen = read_terminal_until(controller, b"Password: ")
            os.write(controller, b"typed-secret-1\n")
            seen += read_terminal_until(controller, b"Again: ")
            os.write(controller, b"typed-secret-1\n")
            out, _ = proc.communicate(timeout=60)
            seen += read_terminal_until(controller, b"")
        finally:
            os.close(terminal)
            os.close(controller)
        self.assertEqual(proc.returncode, 0, seen)
        self.assertIn("added hidden", out)
        self.assertNotIn(b"typed-secret", seen)  # the terminal echoed nothing of it
        SERVER.login("hidden", "typed-secret-1")

    def test_users_cli(self):
        result = SERVER.users("add", "erin", stdin="erin-password\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("erin\tuser", SERVER.users("list").stdout)
        self.assertEqual(SERVER.users("add", "erin", "--password", "whatever1").returncode, 2)
        self.assertEqual(SERVER.users("passwd", "erin", "--password", "new-password").returncode, 0)
        SERVER.login("erin", "new-password")
        self.assertEqual(SERVER.users("remove", "nobody").returncode, 2)
        self.assertEqual(SERVER.users("add", "shorty", "--password", "short").returncode, 2)


class OwnershipTest(unittest.TestCase):
    def test_another_users_job_is_forbidden_admin_sees_all(self):
        SERVER.users("add", "bob", "--password", "bob-password")
        SERVER.users("add", "eve", "--password", "eve-password")
        bob, eve = SERVER.login("bob", "bob-password"), SERVER.login("eve", "eve-password")
        job_id = SERVER.submit(bob, {"blocks": [{"text": "Bob's private job."}]})
        for path in (f"/status/{job_id}", f"/result/{job_id}", f"/result/{job_id}/audio"):
            res = SERVER.request("GET", path, token=eve)
            self.assertEqual((res.status, res.error_code()), (403, "UNAUTHORIZED_ACCESS"), path)
        self.assertEqual(SERVER.request("DELETE", f"/jobs/{job_id}", token=eve).status, 403)
        self.assertEqual(SERVER.request("GET", f"/status/{job_id}", token=TOKEN).status, 200)
        self.assertNotIn(job_id, [j["job_id"] for j in
                                  SERVER.request("GET", "/jobs", token=eve).json()["jobs"]])
        owners = SERVER.request("GET", "/jobs?owner=bob", token=TOKEN).json()["jobs"]
        self.assertIn(job_id, [j["job_id"] for j in owners])

    def test_unknown_job(self):
        res = SERVER.request("GET", "/status/00000000-0000-4000-8000-000000000000", token=TOKEN)
        self.assertEqual((res.status, res.error_code()), (404, "JOB_NOT_FOUND"))


class ValidationTest(unittest.TestCase):
    CASES = [
        ({"project_id": "x"}, "blocks", "VALIDATION_ERROR"),
        ({"blocks": []}, "blocks", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a"}] * 1001}, "blocks", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "  "}]}, "blocks[0].text", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a" * 5001}]}, "blocks[0].text", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a", "wait_after_ms": -1}]}, "blocks[0].wait_after_ms",
         "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a"}, {"text": "b", "wait_after_ms": 60001}]},
         "blocks[1].wait_after_ms", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a", "arabic": "no"}]}, "blocks[0].arabic", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a", "provider": "acme"}]}, "blocks[0].provider", "UNKNOWN_PROVIDER"),
        ({"blocks": [{"text": "a", "provider": "flite", "voice": "zz"}]}, "blocks[0].voice",
         "UNKNOWN_VOICE"),
        ({"blocks": [{"text": "a", "pitch": 2}]}, "blocks[0].pitch", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a", "speed": 4.5}]}, "blocks[0].speed", "VALIDATION_ERROR"),
        ({"blocks": [{"text": "a"}, {"text": "b", "speed": "fast"}]}, "blocks[1].speed",
         "VALIDATION_ERROR"),
    ]

    def test_every_validation_case_names_the_field(self):
        for job, field, code in self.CASES:
            with self.subTest(field=field, code=code):
                res = SERVER.request("POST", "/tts", job, token=TOKEN)
                self.assertEqual(res.status, 400, res)
                self.assertEqual(res.json()["error"]["code"], code)
                self.assertEqual(res.json()["error"]["field"], field)

    def test_unknown_provider_lists_available_ones(self):
        res = SERVER.request("POST", "/tts", {"blocks": [{"text": "a", "provider": "acme"}]},
                             token=TOKEN)
        self.assertIn("espeak, flite", res.json()["error"]["message"])

    def test_malformed_json_names_line_and_column(self):
        res = SERVER.request("POST", "/tts", '{"blocks": [\n {"text": "a",}]}', token=TOKEN,
                             headers={"Content-Type": "application/json"})
        self.assertEqual(res.status, 400)
        self.assertIn("line 2, column 15", res.json()["error"]["message"])

    def test_a_number_beyond_a_double_is_400_naming_its_field(self):
        # It was a 500: the JSON library refused it before the validator saw it.
        res = SERVER.request("POST", "/tts",
                             '{"blocks": [{"text": "a"}, {"text": "b", "wait_after_ms": 1e400}]}',
                             token=TOKEN, headers={"Content-Type": "application/json"})
        self.assertEqual(res.status, 400, res.body)
        self.assertEqual(res.json()["error"]["field"], "blocks[1].wait_after_ms")

    def test_invalid_utf8(self):
        res = SERVER.request("POST", "/tts", b'{"blocks": [{"text": "caf\xe9"}]}', token=TOKEN,
                             headers={"Content-Type": "application/json"})
        self.assertEqual(res.status, 400)
        self.assertIn("invalid UTF-8", res.json()["error"]["message"])

    def test_wrong_content_type(self):
        res = SERVER.request("POST", "/tts", json.dumps(SEED_JOB), token=TOKEN,
                             headers={"Content-Type": "text/plain"})
        self.assertEqual((res.status, res.error_code()), (415, "UNSUPPORTED_MEDIA_TYPE"))

    def test_body_over_the_limit(self):
        big = {"blocks": [{"text": "word " * 900} for _ in range(20)]}  # > 64 KiB
        res = SERVER.request("POST", "/tts", big, token=TOKEN)
        self.assertEqual((res.status, res.error_code()), (413, "PAYLOAD_TOO_LARGE"))
        self.assertEqual(SERVER.request("GET", "/health").status, 200)

    def test_unknown_route_and_method(self):
        self.assertEqual(SERVER.request("GET", "/nope").status, 404)
        res = SERVER.request("PUT", "/tts", {}, token=TOKEN)
        self.assertEqual(res.status, 405)
        self.assertIn("POST", res.headers["allow"])


class MetricsTokenTest(unittest.TestCase):
    def test_metrics_need_the_token_or_an_admins_jwt_when_metrics_token_is_set(self):
        with tempfile.TemporaryDirectory() as data_dir:
            guarded = Server(BINARY, data_dir=data_dir, METRICS_TOKEN="scrape-token-0123456789",
                             WORKER_CONCURRENCY="0").start()
            try:
                self.assertEqual(guarded.request("GET", "/metrics").status, 401)
                self.assertEqual(guarded.request("GET", "/metrics",
                                                 token="scrape-token-012345678").status, 401)
                scraped = guarded.request("GET", "/metrics", token="scrape-token-0123456789")
                self.assertEqual(scraped.status, 200)
                self.assertIn("polyvox_http_requests_total", scraped.body.decode())
                admin = guarded.login()
                self.assertEqual(guarded.request("GET", "/metrics", token=admin).status, 200)
                guarded.users("add", "ivan", "--password", "ivan-password")
                user = guarded.login("ivan", "ivan-password")
                self.assertEqual(guarded.request("GET", "/metrics", token=user).status, 403)
            finally:
                guarded.stop()

    def test_the_metrics_token_opens_metrics_only(self):
        metrics_token = "scrape-token-0123456789"
        with tempfile.TemporaryDirectory() as data_dir:
            guarded = Server(BINARY, data_dir=data_dir, METRICS_TOKEN=metrics_token,
                             WORKER_CONCURRENCY="0").start()
            try:
                self.assertEqual(guarded.request("GET", "/metrics", token=metrics_token).status,
                                 200)
                admin = guarded.login()
                job_id = guarded.submit(admin, SEED_JOB)
                for method, path, body in [
                        ("GET", "/jobs", None), ("GET", f"/status/{job_id}", None),
                        ("GET", f"/result/{job_id}", None), ("GET", "/usage", None),
                        ("GET", "/tts/providers", None), ("POST", "/tts", SEED_JOB),
                        ("DELETE", f"/jobs/{job_id}", None), ("GET", "/api-keys", None)]:
                    res = guarded.request(method, path, body, token=metrics_token)
                    self.assertEqual(res.status, 401, f"{method} {path} with the metrics token: {res}")
                # The job is untouched and nothing was submitted with it.
                self.assertEqual(guarded.request("GET", f"/status/{job_id}", token=admin).status,
                                 200)
                self.assertEqual(guarded.request("GET", "/jobs", token=admin).json()["total"], 1)
            finally:
                guarded.stop()


class TrustedProxiesTest(unittest.TestCase):
    """Behind a reverse proxy (TRUSTED_PROXIES), failed logins are counted per client, the
    address the proxy appends to X-Forwarded-For; without it, the header counts for nothing."""

    FORM = {"Content-Type": "application/x-www-form-urlencoded"}

    def fail_logins(self, server, user, forwarded_for):
        codes = []
        for _ in range(8):
            res = server.request("POST", "/token", f"username={user}&password=nope",
                                 dict(self.FORM, **{"X-Forwarded-For": forwarded_for}))
            codes.append(res.status)
        self.assertIn(429, codes)

    def login_status(self, server, user, password, forwarded_for):
        return server.request("POST", "/token", f"username={user}&password={password}",
                              dict(self.FORM, **{"X-Forwarded-For": forwarded_for})).status

    def test_a_trusted_proxys_clients_are_throttled_apart(self):
        with tempfile.TemporaryDirectory() as data_dir:
            behind = Server(BINARY, data_dir=data_dir, TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1",
                            WORKER_CONCURRENCY="0", ACCESS_LOG="true").start()
            try:
                behind.users("add", "erin", "--password", "erin-password")
                # What a client writes itself, left of the proxy's entry, is not believed.
                self.fail_logins(behind, "erin", "192.0.2.1, 203.0.113.7")
                self.assertEqual(self.login_status(behind, "erin", "erin-password",
                                                   "203.0.113.7"), 429)
                self.assertEqual(self.login_status(behind, "erin", "erin-password",
                                                   "192.0.2.1, 198.51.100.9, 10.1.1.1"), 200)
                # The access log names the clients (its lines are read as they come).
                def remotes():
                    return {e.get("remote") for e in behind.logs() if e.get("msg") == "request"}
                poll_until(lambda: {"203.0.113.7", "198.51.100.9"} <= remotes(), 10,
                           lambda: f"access log remotes: {remotes()}")
                self.assertNotIn("192.0.2.1", remotes())
            finally:
                behind.stop()

    def test_without_trusted_proxies_the_header_is_ignored(self):
        SERVER.users("add", "fred", "--password", "fred-password")
        self.fail_logins(SERVER, "fred", "203.0.113.8")
        # Another address in the header changes nothing: the peer is the client.
        self.assertEqual(self.login_status(SERVER, "fred", "fred-password", "198.51.100.8"), 429)

    def test_a_bad_list_stops_the_start_naming_the_entry(self):
        with tempfile.TemporaryDirectory() as data_dir:
            env = dict(SERVER.env, PORT="0", POLYVOX_DATA_DIR=data_dir,
                       TRUSTED_PROXIES="127.0.0.1, proxy.internal")
            result = subprocess.run([BINARY, "serve"], env=env, cwd=data_dir,
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("TRUSTED_PROXIES", result.stderr)
        self.assertIn("'proxy.internal' is not an address or a CIDR range", result.stderr)


class StartupTest(unittest.TestCase):
    def test_short_admin_password_is_refused_and_the_data_directory_is_private(self):
        with tempfile.TemporaryDirectory() as parent:
            data_dir = os.path.join(parent, "var")
            env = dict(SERVER.env, PORT="0", POLYVOX_DATA_DIR=data_dir, ADMIN_PASSWORD="short")
            env.pop("SECRET_KEY")
            first = subprocess.run([BINARY, "serve"], env=env, cwd=parent, capture_output=True,
                                   text=True, timeout=60)
            self.assertEqual(first.returncode, 2, first.stderr)
            self.assertIn("ADMIN_PASSWORD", first.stderr)
            self.assertIn("at least 8 characters", first.stderr)
            self.assertEqual(os.stat(data_dir).st_mode & 0o777, 0o700)
            key_file = os.path.join(data_dir, "secret_key")
            self.assertEqual(os.stat(key_file).st_mode & 0o777, 0o600)
            # A key file others may read is refused, naming the file.
            os.chmod(key_file, 0o644)
            env["ADMIN_PASSWORD"] = ADMIN_PASSWORD
            second = subprocess.run([BINARY, "serve"], env=env, cwd=parent, capture_output=True,
                                    text=True, timeout=60)
            self.assertEqual(second.returncode, 2, second.stderr)
            self.assertIn(f"chmod 600 {key_file}", second.stderr)

    def test_a_shared_data_directory_is_refused_and_left_as_it_is(self):
        # A directory like /tmp (sticky, open to everyone) is not the service's to make private.
        with tempfile.TemporaryDirectory() as parent:
            shared = os.path.join(parent, "shared")
            os.mkdir(shared)
            os.chmod(shared, 0o1777)
            env = dict(SERVER.env, PORT="0", POLYVOX_DATA_DIR=shared)
            result = subprocess.run([BINARY, "serve"], env=env, cwd=parent, capture_output=True,
                                    text=True, timeout=60)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertIn(f"POLYVOX_DATA_DIR: {shared} has mode 1777", result.stderr)
            self.assertIn(os.path.join(shared, "polyvox"), result.stderr)
            self.assertEqual(os.stat(shared).st_mode & 0o7777, 0o1777)
            self.assertEqual(os.listdir(shared), [])

    def test_a_second_server_on_a_port_in_use_exits_1_naming_it(self):
        # No SO_REUSEPORT: the second server cannot share the port (and split the clients).
        with tempfile.TemporaryDirectory() as data_dir:
            env = dict(SERVER.env, PORT=str(SERVER.port), POLYVOX_DATA_DIR=data_dir)
            second = subprocess.run([BINARY, "serve"], env=env, cwd=data_dir,
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual(second.returncode, 1, second.stderr)
        self.assertIn(f"127.0.0.1:{SERVER.port}", second.stderr)
        for _ in range(20):
            self.assertEqual(SERVER.request("GET", f"/status/{'0' * 8}", token=TOKEN).status, 404)

    def test_a_second_server_on_a_data_directory_in_use_exits_2_naming_it(self):
        # It would take the first one's leased tasks back as a dead process's.
        second = subprocess.run([BINARY, "serve"], env=dict(SERVER.env, PORT="0"),
                                cwd=SERVER.data_dir, capture_output=True, text=True, timeout=60)
        self.assertEqual(second.returncode, 2, second.stderr)
        self.assertIn("POLYVOX_DATA_DIR", second.stderr)
        self.assertIn("in use", second.stderr)
        self.assertEqual(SERVER.request("GET", "/health").status, 200)


class AudioDeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.job_id = SERVER.submit(TOKEN, {"blocks": [{"text": "Range requests are served.",
                                                       "wait_after_ms": 200}]})
        SERVER.wait_for(TOKEN, cls.job_id)
        cls.path = f"/result/{cls.job_id}/audio"
        cls.full = SERVER.request("GET", cls.path, token=TOKEN)

    def test_full_file_advertises_ranges_and_etag(self):
        self.assertEqual(self.full.status, 200)
        self.assertEqual(self.full.headers["accept-ranges"], "bytes")
        self.assertEqual(int(self.full.headers["content-length"]), len(self.full.body))
        self.assertTrue(self.full.headers["etag"].startswith('"'))

    def test_single_ranges(self):
        size = len(self.full.body)
        res = SERVER.request("GET", self.path, token=TOKEN, headers={"Range": "bytes=0-99"})
        self.assertEqual(res.status, 206)
        self.assertEqual(res.body, self.full.body[:100])
        self.assertEqual(res.headers["content-range"], f"bytes 0-99/{size}")
        tail = SERVER.request("GET", self.path, token=TOKEN, headers={"Range": "bytes=-50"})
        self.assertEqual((tail.status, tail.body), (206, self.full.body[-50:]))
        open_ended = SERVER.request("GET", self.path, token=TOKEN,
                                    headers={"Range": f"bytes={size - 10}-"})
        self.assertEqual(open_ended.body, self.full.body[-10:])

    def test_unsatisfiable_range(self):
        size = len(self.full.body)
        res = SERVER.request("GET", self.path, token=TOKEN, headers={"Range": f"bytes={size}-"})
        self.assertEqual(res.status, 416)
        self.assertEqual(res.headers["content-range"], f"bytes */{size}")

    def test_if_none_match_gives_304(self):
        etag = self.full.headers["etag"]
        res = SERVER.request("GET", self.path, token=TOKEN, headers={"If-None-Match": etag})
        self.assertEqual((res.status, res.body), (304, b""))
        other = SERVER.request("GET", self.path, token=TOKEN, headers={"If-None-Match": '"x"'})
        self.assertEqual(other.status, 200)

    def test_head_sends_headers_only(self):
        res = SERVER.request("HEAD", self.path, token=TOKEN)
        self.assertEqual(res.status, 200)
        self.assertEqual(res.body, b"")
        self.assertEqual(int(res.headers["content-length"]), len(self.full.body))
        self.assertEqual(res.headers["content-type"], "audio/mpeg")

    def test_not_complete_and_missing_block(self):
        job_id = SERVER.submit(TOKEN, {"blocks": [{"text": "Pending " * 50, "wait_after_ms": 60000}
                                                  for _ in range(30)]})
        res = SERVER.request("GET", f"/result/{job_id}/audio", token=TOKEN)
        if res.status != 200:  # not yet complete, the usual case
            self.assertEqual((res.status, res.error_code()), (400, "JOB_NOT_COMPLETE"))
            self.assertIn("status:", res.json()["error"]["message"])
        missing = SERVER.request("GET", f"/result/{job_id}/block/99/audio", token=TOKEN)
        self.assertEqual((missing.status, missing.error_code()), (404, "FILE_NOT_FOUND"))
        SERVER.request("DELETE", f"/jobs/{job_id}", token=TOKEN)

    def test_wav_output(self):
        job_id = SERVER.submit(TOKEN, {"output_format": "wav", "blocks": [{"text": "Wave."}]})
        SERVER.wait_for(TOKEN, job_id)
        res = SERVER.request("GET", f"/result/{job_id}/audio", token=TOKEN)
        self.assertEqual(res.headers["content-type"], "audio/wav")
        self.assertIn('filename="final_audio.wav"', res.headers["content-disposition"])
        self.assertEqual(res.body[:4], b"RIFF")


class CancelDeleteTest(unittest.TestCase):
    def test_cancel_running_job_then_delete_it(self):
        job = {"blocks": [{"text": f"Block {i} of a long job. " * 5} for i in range(200)]}
        job_id = SERVER.submit(TOKEN, job)
        res = SERVER.request("DELETE", f"/jobs/{job_id}", token=TOKEN)
        self.assertEqual(res.status, 200)
        self.assertEqual((res.json()["status"], res.json()["deleted"]), ("cancelled", False))
        status = SERVER.request("GET", f"/status/{job_id}", token=TOKEN).json()
        self.assertEqual(status["status"], "cancelled")
        result = SERVER.request("GET", f"/result/{job_id}", token=TOKEN)
        self.assertEqual((result.status, result.error_code()), (409, "JOB_CANCELLED"))
        done_before = status["progress"]
        gone = SERVER.request("DELETE", f"/jobs/{job_id}", token=TOKEN)
        self.assertEqual((gone.status, gone.json()["deleted"]), (200, True))
        self.assertEqual(SERVER.request("GET", f"/status/{job_id}", token=TOKEN).status, 404)
        self.assertTrue(done_before.endswith("/200"))

    def test_delete_finished_job_removes_its_files(self):
        job_id = SERVER.submit(TOKEN, {"blocks": [{"text": "Short lived."}]})
        SERVER.wait_for(TOKEN, job_id)
        job_dir = os.path.join(SERVER.data_dir, "blobs", "jobs", job_id)
        self.assertTrue(os.listdir(job_dir))
        self.assertEqual(SERVER.request("DELETE", f"/jobs/{job_id}", token=TOKEN).status, 200)
        remaining = [f for _, _, files in os.walk(job_dir) for f in files]
        self.assertEqual(remaining, [])
        res = SERVER.request("GET", f"/result/{job_id}/audio", token=TOKEN)
        self.assertEqual(res.status, 404)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
