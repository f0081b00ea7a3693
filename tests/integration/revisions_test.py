#!/usr/bin/env python3
"""Revisions and the diacritized preview, against the real `polyvox serve` with the paid vendors
mocked (tests/support/mock_vendors.py, whose request logs count the calls):
POST /jobs/{id}/revisions makes a new job linked to its parent in which only the edited block
calls its provider (the audio cache serves the rest; with ElevenLabs, which hears the
neighbouring blocks of its voice, the edited block's neighbours call it too);
GET /jobs/{id}/revisions lists the chain with status and download links; both owner-checked.
POST /diacritize answers the configured diacritizer's text, errors in the standard shape."""
import os
import random
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import Server  # noqa: E402

BINARY = None
MOCKS = None
SERVER = None


def setUpModule():
    global MOCKS, SERVER
    MOCKS = mock_vendors.make_all()
    SERVER = Server(BINARY, **mock_vendors.provider_env(MOCKS), DIACRITIZER="http",
                    TASK_MAX_RETRIES=2, TASK_RETRY_DELAY_SECONDS=0).start()


def tearDownModule():
    code = SERVER.stop()
    SERVER.close()
    for mock in MOCKS.values():
        mock.stop()
    assert code == 0, f"serve exited with {code}"


def script(tag, provider, voice, words):
    """A job of one block per word, each spoken by `provider` with `voice`, marked with `tag`
    (a unique script: nothing of it is in the audio cache before the test)."""
    return {"blocks": [{"text": f"{word} {tag}.", "provider": provider, "voice": voice}
                       for word in words]}


def texts_sent(mock):
    """The texts `mock` was asked to speak (ElevenLabs' "text", OpenAI's "input")."""
    return sorted(r["json"].get("text", r["json"].get("input")) for r in mock.requests()
                  if r.get("json"))


class RevisionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token = SERVER.login()

    def setUp(self):
        for mock in MOCKS.values():
            mock.reset()

    def render(self, job, parent=None):
        path = f"/jobs/{parent}/revisions" if parent else "/tts"
        res = SERVER.request("POST", path, job, token=self.token)
        self.assertEqual(res.status, 202, res)
        job_id = res.json()["job_id"]
        if parent:
            self.assertEqual(res.json()["parent_id"], parent)
        status = SERVER.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "completed", status)
        return job_id, status

    def usage_of(self, status, provider):
        return next(u for u in status["usage"] if u["provider"] == provider)

    def test_only_the_edited_block_calls_its_provider(self):
        tag = "%08x" % random.getrandbits(32)
        job = script(tag, "openai", "alloy", ["First block", "Second block", "Third block"])
        job["blocks"].append({"text": f"A local voice {tag}.", "provider": "espeak"})
        parent, _ = self.render(job)
        self.assertEqual(len(texts_sent(MOCKS["openai"])), 3)
        MOCKS["openai"].reset()

        job["blocks"][1]["text"] = f"The second block, edited {tag}."
        child, status = self.render(job, parent)
        self.assertEqual(texts_sent(MOCKS["openai"]), [f"The second block, edited {tag}."])
        openai = self.usage_of(status, "openai")
        self.assertEqual((openai["calls"], openai["cache_hits"]), (1, 2))
        espeak = self.usage_of(status, "espeak")
        self.assertEqual((espeak["calls"], espeak["cache_hits"]), (0, 1))
        self.assertEqual(status["parent_id"], parent)

        # The chain, oldest first, each downloadable.
        res = SERVER.request("GET", f"/jobs/{child}/revisions", token=self.token)
        self.assertEqual(res.status, 200, res)
        chain = res.json()
        self.assertEqual(chain["job_id"], child)
        self.assertTrue(chain["complete"])
        self.assertEqual([j["job_id"] for j in chain["revisions"]], [parent, child])
        self.assertEqual([j["parent_id"] for j in chain["revisions"]], [None, parent])
        for entry in chain["revisions"]:
            self.assertEqual(entry["status"], "completed")
            self.assertGreater(entry["duration_ms"], 1000)
            path = entry["result_url"].split(str(SERVER.port), 1)[1]
            audio = SERVER.request("GET", path, token=self.token)
            self.assertEqual(audio.status, 200)
            self.assertGreater(len(audio.body), 1000)
        # The original's chain is itself; the listing shows the link too.
        res = SERVER.request("GET", f"/jobs/{parent}/revisions", token=self.token)
        self.assertEqual([j["job_id"] for j in res.json()["revisions"]], [parent])
        listed = SERVER.request("GET", "/jobs?limit=100", token=self.token).json()["jobs"]
        self.assertEqual(next(j for j in listed if j["job_id"] == child)["parent_id"], parent)
        self.assertGreater(next(j for j in listed if j["job_id"] == child)["duration_ms"], 1000)

    def test_a_vendor_that_hears_its_neighbours_renders_them_again(self):
        tag = "%08x" % random.getrandbits(32)
        job = script(tag, "elevenlabs", "rachel", ["One", "Two", "Three", "Four"])
        parent, _ = self.render(job)
        self.assertEqual(len(texts_sent(MOCKS["elevenlabs"])), 4)
        MOCKS["elevenlabs"].reset()

        # Block 3 (the last) edited: block 2 hears another next_text; blocks 0 and 1 hear
        # exactly what they heard before and come from the cache.
        job["blocks"][3]["text"] = f"Four, edited {tag}."
        _, status = self.render(job, parent)
        self.assertEqual(texts_sent(MOCKS["elevenlabs"]),
                         sorted([f"Four, edited {tag}.", f"Three {tag}."]))
        eleven = self.usage_of(status, "elevenlabs")
        self.assertEqual((eleven["calls"], eleven["cache_hits"]), (2, 2))

    def test_revisions_are_checked_as_jobs_and_owned(self):
        parent, _ = self.render({"blocks": [{"text": "An original.", "provider": "flite"}]})
        bad = SERVER.request("POST", f"/jobs/{parent}/revisions",
                             {"blocks": [{"text": "ok", "provider": "flite"},
                                         {"text": "", "provider": "flite"}]}, token=self.token)
        self.assertEqual(bad.status, 400, bad)
        self.assertEqual(bad.json()["error"]["field"], "blocks[1].text")
        not_json = SERVER.request("POST", f"/jobs/{parent}/revisions", "text",
                                  {"Content-Type": "text/plain"}, token=self.token)
        self.assertEqual(not_json.status, 415)
        missing = SERVER.request("POST", "/jobs/00000000-0000-4000-8000-000000000000/revisions",
                                 {"blocks": [{"text": "x"}]}, token=self.token)
        self.assertEqual(missing.status, 404)
        self.assertEqual(SERVER.request("GET", f"/jobs/{parent}/revisions").status, 401)

        SERVER.users("add", "eve", "--password", "eve-password-long")
        eve = SERVER.login("eve", "eve-password-long")
        for method, body in (("POST", {"blocks": [{"text": "mine now"}]}), ("GET", None)):
            res = SERVER.request(method, f"/jobs/{parent}/revisions", body, token=eve)
            self.assertEqual(res.status, 403, res)
            self.assertEqual(res.error_code(), "UNAUTHORIZED_ACCESS")


class DiacritizeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token = SERVER.login()

    def diacritize(self, body, **kw):
        return SERVER.request("POST", "/diacritize", body, token=self.token, **kw)

    def test_answers_the_configured_diacritizers_text(self):
        MOCKS["diacritizer"].reset()
        res = self.diacritize({"text": "مرحبا بكم"})
        self.assertEqual(res.status, 200, res)
        marked = res.json()["text"]
        self.assertNotEqual(marked, "مرحبا بكم")
        # Only marks were added: without them it is the text sent.
        bare = "".join(c for c in marked if not "\u064b" <= c <= "\u0652")
        self.assertEqual(bare, "مرحبا بكم")
        self.assertEqual(MOCKS["diacritizer"].request_count(), 1)

    def test_errors_name_what_is_wrong(self):
        cases = [({"text": 5}, 400, "text"), ({}, 400, "text"),
                 ({"text": "x", "extra": 1}, 400, "extra"), ([1, 2], 400, None),
                 ({"text": "ب" * 5001}, 400, "text")]
        for body, status, field in cases:
            res = self.diacritize(body)
            self.assertEqual(res.status, status, (body, res))
            self.assertEqual(res.json()["error"]["code"], "VALIDATION_ERROR")
            self.assertEqual(res.json()["error"].get("field"), field, body)
        self.assertEqual(self.diacritize(b'{"text": "\xff\xfe"}',
                                         headers={"Content-Type": "application/json"}).status,
                         400)
        self.assertEqual(self.diacritize("{", headers={"Content-Type": "application/json"})
                         .status, 400)
        self.assertEqual(self.diacritize("text", headers={"Content-Type": "text/plain"}).status,
                         415)
        self.assertEqual(SERVER.request("POST", "/diacritize", {"text": "x"}).status, 401)

    def test_a_diacritizer_that_fails_is_unavailable(self):
        MOCKS["diacritizer"].fail_next("server_error", count=10, status=500)
        res = self.diacritize({"text": "كتاب جديد"})
        MOCKS["diacritizer"].reset()
        self.assertEqual(res.status, 503, res)
        self.assertEqual(res.error_code(), "UNAVAILABLE")

    def test_random_bodies_get_an_answer_in_the_standard_shape(self):
        rng = random.Random(17)
        for _ in range(200):
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
            if rng.random() < 0.5:
                body = b'{"text": "' + body + b'"}'
            res = self.diacritize(body, headers={"Content-Type": "application/json"})
            self.assertIn(res.status, (200, 400), (body, res))
            if res.status == 400:
                error = res.json()["error"]
                self.assertEqual(error["code"], "VALIDATION_ERROR")
                self.assertTrue(error["message"])


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
