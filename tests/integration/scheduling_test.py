#!/usr/bin/env python3
"""Scheduling and quotas through the real `polyvox serve` (embedded mode) and `polyvox users`:
each quota refuses with 429 QUOTA_EXCEEDED naming it, with a Retry-After; an admin is exempt;
previews and /v1/audio/speech are stored as interactive jobs and counted in and refused by the
same quotas as POST /tts;
`polyvox users set` overrides the deployment's limits per user; the pause cap is a 400 on field
blocks naming the total; /tts/providers?verbose=true shows each provider's concurrency."""
import http.client
import json
import os
import sqlite3
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from polyvox_server import Server  # noqa: E402

BINARY = None
PASSWORD = "scheduling-test-password"


def speech(chars=12):
    return {"model": "tts-1", "voice": "alloy", "input": "a" * chars, "stream_format": "audio"}


def preview(chars=10):
    return {"text": "p" * chars, "provider": "espeak"}


def job(blocks, chars=10, pause_ms=0):
    return {"blocks": [{"text": "x" * chars, "provider": "espeak", "wait_after_ms": pause_ms}
                       for _ in range(blocks)]}


class SchedulingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # No workers: what is submitted stays queued, so the queued quotas are exact.
        cls.server = Server(BINARY, WORKER_CONCURRENCY="0", MAX_QUEUED_JOBS_PER_USER="3",
                            MAX_QUEUED_BLOCKS_PER_USER="10", MAX_CHARS_PER_USER_PER_DAY="200",
                            MAX_JOB_PAUSE_SECONDS="10").start()
        cls.admin = cls.server.login()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def user(self, name):
        added = self.server.users("add", name, "--password", PASSWORD)
        self.assertEqual(added.returncode, 0, added.stderr)
        return self.server.login(name, PASSWORD)

    def refused(self, token, body, quota):
        res = self.server.request("POST", "/tts", body, token=token)
        self.assertEqual(res.status, 429, res)
        self.assertEqual(res.error_code(), "QUOTA_EXCEEDED")
        self.assertEqual(res.json()["error"]["field"], quota)
        self.assertIn(quota, res.json()["error"]["message"])
        self.assertGreater(int(res.headers["retry-after"]), 0)
        return res

    def test_every_quota_refuses_with_its_name(self):
        alice = self.user("alice")
        for _ in range(3):
            self.server.submit(alice, job(2))
        self.refused(alice, job(1), "max_queued_jobs")
        bob = self.user("bob")
        self.server.submit(bob, job(8))
        self.refused(bob, job(3), "max_queued_blocks")
        carol = self.user("carol")
        self.server.submit(carol, job(1, chars=150))
        res = self.refused(carol, job(1, chars=51), "max_chars_per_day")
        self.assertLessEqual(int(res.headers["retry-after"]), 86400)
        self.server.submit(carol, job(1, chars=50))  # exactly the limit

    def set_quotas(self, name, *options):
        changed = self.server.users("set", name, *options)
        self.assertEqual(changed.returncode, 0, changed.stderr)
        return changed.stdout

    def test_admins_are_exempt_and_users_set_overrides(self):
        for _ in range(5):
            self.server.submit(self.admin, job(4))
        # Overrides are set before the user's first request: the server reads them fresh (a
        # running server sees a later change within a second).
        self.server.users("add", "dave", "--password", PASSWORD)
        out = self.set_quotas("dave", "--max-queued-jobs", "unlimited", "--max-queued-blocks", "40")
        self.assertIn("max_queued_jobs unlimited, max_queued_blocks 40, max_chars_per_day default",
                      out)
        dave = self.server.login("dave", PASSWORD)
        for _ in range(5):
            self.server.submit(dave, job(8, chars=1))
        self.refused(dave, job(1, chars=1), "max_queued_blocks")
        bad = self.server.users("set", "dave", "--max-queued-jobs", "lots")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--max-queued-jobs", bad.stderr)
        # Back to the deployment's limit.
        self.server.users("add", "erin", "--password", PASSWORD)
        self.set_quotas("erin", "--max-queued-blocks", "100")
        self.assertIn("max_queued_blocks default", self.set_quotas("erin", "--max-queued-blocks",
                                                                    "default"))
        erin = self.server.login("erin", PASSWORD)
        self.server.submit(erin, job(8, chars=1))
        self.refused(erin, job(3, chars=1), "max_queued_blocks")

    def open_stream(self, path, body, token):
        """Sends a request whose answer streams the job's audio as it renders (never, here: no
        workers) and returns the connection, to be kept open, and the response with only its
        head read."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.request("POST", path, body=json.dumps(body).encode(),
                     headers={"Authorization": "Bearer " + token,
                              "Content-Type": "application/json"})
        return conn, conn.getresponse()

    def stored_interactive(self, job_id):
        with sqlite3.connect(os.path.join(self.server.data_dir, "polyvox.db")) as db:
            row = db.execute("SELECT interactive FROM jobs WHERE id = ?", (job_id,)).fetchone()
        self.assertIsNotNone(row, job_id)
        return row[0]

    def test_previews_and_speech_are_interactive_and_under_the_same_quotas(self):
        frank, gina = self.user("frank"), self.user("gina")
        streams = []
        try:
            conn, res = self.open_stream("/tts/preview", preview(), frank)
            streams.append(conn)
            self.assertEqual(res.status, 200)
            preview_id = res.getheader("X-Job-Id")
            conn, res = self.open_stream("/v1/audio/speech", speech(), frank)
            streams.append(conn)
            self.assertEqual(res.status, 200)
            speech_id = res.getheader("X-Polyvox-Job-Id")
            batch_id = self.server.submit(frank, job(1))
            self.assertEqual(self.stored_interactive(preview_id), 1)
            self.assertEqual(self.stored_interactive(speech_id), 1)
            self.assertEqual(self.stored_interactive(batch_id), 0)

            # Three jobs queued (MAX_QUEUED_JOBS_PER_USER): every route refuses the fourth.
            self.refused(frank, job(1), "max_queued_jobs")
            res = self.server.request("POST", "/tts/preview", preview(), token=frank)
            self.assertEqual(res.status, 429, res)
            self.assertEqual(res.error_code(), "QUOTA_EXCEEDED")
            self.assertEqual(res.json()["error"]["field"], "max_queued_jobs")
            self.assertGreater(int(res.headers["retry-after"]), 0)
            res = self.server.request("POST", "/v1/audio/speech", speech(), token=frank)
            self.assertEqual(res.status, 429, res)
            error = res.json()["error"]
            self.assertEqual(error["type"], "insufficient_quota")
            self.assertEqual(error["param"], "max_queued_jobs")
            self.assertIn("max_queued_jobs", error["message"])
            self.assertGreater(int(res.headers["retry-after"]), 0)

            # Their characters count too (MAX_CHARS_PER_USER_PER_DAY 200): 150 spoken by /v1,
            # then 51 more are refused by either route, 50 accepted.
            conn, res = self.open_stream("/v1/audio/speech", speech(150), gina)
            streams.append(conn)
            self.assertEqual(res.status, 200)
            res = self.server.request("POST", "/tts/preview", preview(51), token=gina)
            self.assertEqual(res.status, 429, res)
            self.assertEqual(res.json()["error"]["field"], "max_chars_per_day")
            res = self.server.request("POST", "/v1/audio/speech", speech(51), token=gina)
            self.assertEqual(res.status, 429, res)
            self.assertEqual(res.json()["error"]["param"], "max_chars_per_day")
            conn, res = self.open_stream("/tts/preview", preview(50), gina)
            streams.append(conn)
            self.assertEqual(res.status, 200)
        finally:
            for conn in streams:
                conn.close()

    def test_the_sum_of_the_pauses_is_capped(self):
        res = self.server.request("POST", "/tts", job(3, pause_ms=4000), token=self.admin)
        self.assertEqual(res.status, 400, res)
        self.assertEqual(res.error_code(), "VALIDATION_ERROR")
        self.assertEqual(res.json()["error"]["field"], "blocks")
        self.assertIn("add up to 12 s", res.json()["error"]["message"])
        self.server.submit(self.admin, job(2, pause_ms=5000))  # 10 s: the cap itself

    def test_providers_show_their_concurrency(self):
        res = self.server.request("GET", "/tts/providers?verbose=true", token=self.admin)
        self.assertEqual(res.status, 200, res)
        espeak = [p for p in res.json() if p["name"] == "espeak"][0]
        self.assertEqual(espeak["concurrency"]["ceiling"], 0)  # a local engine: no limit
        self.assertEqual(espeak["concurrency"]["in_flight"], 0)
        metrics = self.server.request("GET", "/metrics", token=self.admin).body.decode()
        self.assertIn('polyvox_provider_in_flight{provider="espeak"} 0', metrics)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
