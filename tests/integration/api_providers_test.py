#!/usr/bin/env python3
"""Cloud providers through the service (`polyvox serve`) against the in-repo mock vendors: one
job mixing all six providers, faults retried as the policy says, final errors not retried, the
circuit breaker, the audio cache (a repeated job makes no provider call), Arabic diacritization on
the worker side, usage figures, and no key in any log line or response."""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import Server, decoded_samples, poll_until  # noqa: E402

BINARY = None
MOCKS = None


def setUpModule():
    global MOCKS
    MOCKS = mock_vendors.make_all()


def tearDownModule():
    for mock in MOCKS.values():
        mock.stop()


def service(**env):
    settings = dict(mock_vendors.provider_env(MOCKS), DIACRITIZER_URL=MOCKS["diacritizer"].url,
                    TASK_MAX_RETRIES=3, TASK_RETRY_DELAY_SECONDS=0, WORKER_CONCURRENCY=4)
    settings.update(env)
    return Server(BINARY, **settings).start()


class MixedProvidersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = service()
        cls.token = cls.server.login()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        for mock in MOCKS.values():
            mock.reset()

    def test_job_mixing_all_six_providers(self):
        job = {"blocks": [
            {"text": "From ElevenLabs, with Rachel.", "provider": "elevenlabs", "voice": "rachel",
             "wait_after_ms": 300},
            {"text": "From OpenAI, with Alloy.", "provider": "openai", "voice": "alloy",
             "wait_after_ms": 200},
            {"text": "مرحبا من غيمة", "provider": "ghaymah", "voice": "ar-SA-HamedNeural",
             "arabic": True, "wait_after_ms": 400},
            {"text": "مرحبا من غيمة برو", "provider": "ghaymah_pro", "voice": "female-1"},
            {"text": "From Kokoro.", "provider": "kokoro", "wait_after_ms": 100},
            {"text": "And espeak, locally.", "provider": "espeak", "wait_after_ms": 0},
        ]}
        job_id = self.server.submit(self.token, job)
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "completed", status)
        self.assertEqual([b["provider"] for b in status["blocks"]],
                         ["elevenlabs", "openai", "ghaymah", "ghaymah_pro", "kokoro", "espeak"])
        result = self.server.request("GET", f"/result/{job_id}", token=self.token).json()
        manifest = result["manifest"]
        audio = self.server.request("GET", f"/result/{job_id}/audio", token=self.token)
        samples, errors = decoded_samples(audio.body)
        self.assertEqual(errors, "")
        self.assertAlmostEqual(samples * 1000.0 / 44100, manifest["duration_ms"], delta=30)
        # Each cloud block lasts what its mock spoke (60 ms per character) plus <= 2 x 50 ms of
        # kept silence and frame alignment.
        for block, spec in zip(manifest["blocks"][:5], job["blocks"][:5]):
            spoken = mock_vendors.speech_ms(spec["text"] if not spec.get("arabic") else
                                            MOCKS["diacritizer"].vocalize(spec["text"]))
            self.assertGreaterEqual(block["speech_ms"], spoken - 30, block)
            self.assertLessEqual(block["speech_ms"], spoken + 100 + 27, block)
        # The Arabic block went through the diacritizer before the provider.
        sent = MOCKS["ghaymah"].requests()[-1]["json"]["input"]
        self.assertEqual(sent, MOCKS["diacritizer"].vocalize("مرحبا من غيمة"))
        self.assertEqual(MOCKS["diacritizer"].request_count(), 1)
        self.assertEqual(MOCKS["ghaymah_pro"].requests()[-1]["json"]["input"],
                         "مرحبا من غيمة برو")  # not marked arabic: sent as given
        # /result shows what the Arabic block spoke; other blocks and /status do not.
        self.assertEqual(manifest["blocks"][2]["spoken_text"], sent)
        self.assertEqual([i for i, b in enumerate(manifest["blocks"]) if "spoken_text" in b], [2])
        self.assertNotIn("spoken_text", json.dumps(status))

    def test_elevenlabs_hears_the_text_of_its_neighbours_of_the_same_voice(self):
        texts = ["The first sentence.", "The second sentence.", "An OpenAI sentence.",
                 "The last sentence."]
        job_id = self.server.submit(self.token, {"blocks": [
            {"text": text, "provider": "openai" if i == 2 else "elevenlabs", "voice":
             "alloy" if i == 2 else "rachel", "cache": False} for i, text in enumerate(texts)]})
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "completed", status)
        sent = {r["json"]["text"]: r["json"] for r in MOCKS["elevenlabs"].requests()}
        self.assertEqual(sorted(sent), sorted(texts[:2] + texts[3:]))
        context = {text: (body.get("previous_text"), body.get("next_text"))
                   for text, body in sent.items()}
        # Only neighbours spoken by the same provider and voice count.
        self.assertEqual(context, {texts[0]: (None, texts[1]), texts[1]: (texts[0], None),
                                   texts[3]: (None, None)})
        body = MOCKS["openai"].requests()[0]["json"]
        self.assertEqual(body["input"], texts[2])
        self.assertNotIn("previous_text", body)

    def test_a_repeated_job_makes_no_provider_call(self):
        job = {"blocks": [{"text": "Cached sentence number one.", "provider": "openai"},
                          {"text": "Cached sentence number two.", "provider": "elevenlabs"},
                          {"text": "مرحبا", "provider": "ghaymah", "arabic": True}]}
        first = self.server.submit(self.token, job)
        self.assertEqual(self.server.wait_for(self.token, first)["status"], "completed")
        calls = {n: MOCKS[n].request_count() for n in ("openai", "elevenlabs", "ghaymah",
                                                          "diacritizer")}
        self.assertEqual(calls, {"openai": 1, "elevenlabs": 1, "ghaymah": 1, "diacritizer": 1})
        second = self.server.submit(self.token, job)
        status = self.server.wait_for(self.token, second)
        self.assertEqual(status["status"], "completed")
        for name, count in calls.items():
            self.assertEqual(MOCKS[name].request_count(), count, name)
        usage = {u["provider"]: u for u in status["usage"]}
        self.assertEqual(usage["openai"]["calls"], 0)
        self.assertEqual(usage["openai"]["cache_hits"], 1)

    def test_rate_limits_and_server_errors_are_retried(self):
        MOCKS["openai"].fail_next("rate_limit", count=1, retry_after=1)
        MOCKS["openai"].fail_next("server_error", count=1, status=503)
        MOCKS["openai"].fail_next("garbage", count=1)
        started = time.monotonic()
        job_id = self.server.submit(self.token, {"blocks": [
            {"text": "Retried until it works.", "provider": "openai", "cache": False}]})
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "completed", status)
        self.assertEqual(MOCKS["openai"].request_count(), 4)
        self.assertGreaterEqual(time.monotonic() - started, 1.0)  # Retry-After honoured
        usage = {u["provider"]: u for u in status["usage"]}
        self.assertEqual(usage["openai"]["retries"], 3)

    def openai_usage(self):
        users = self.server.request("GET", "/usage", token=self.token).json()["users"]
        return {u["provider"]: u for row in users for u in row["providers"]}.get(
            "openai", {"calls": 0, "characters": 0, "failures": 0, "retries": 0})

    def test_a_job_that_failed_after_its_retries_is_billed_for_every_call(self):
        # TASK_MAX_RETRIES=3: four attempts, each one a call the vendor bills.
        MOCKS["openai"].fail_next("server_error", count=4, status=503)
        text = "Billed although it failed."
        before = self.openai_usage()
        job_id = self.server.submit(self.token, {"blocks": [
            {"text": text, "provider": "openai", "cache": False}]})
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "failed", status)
        self.assertEqual(MOCKS["openai"].request_count(), 4)
        usage = {u["provider"]: u for u in status["usage"]}
        self.assertEqual(usage["openai"]["calls"], 4, status["usage"])
        self.assertEqual(usage["openai"]["characters"], 4 * len(text))
        self.assertEqual(usage["openai"]["failures"], 4)
        self.assertEqual(usage["openai"]["retries"], 3)
        after = self.openai_usage()
        for counter, grew in (("calls", 4), ("characters", 4 * len(text)), ("failures", 4),
                              ("retries", 3)):
            self.assertEqual(after[counter] - before[counter], grew, counter)

    def test_final_errors_are_not_retried_and_name_the_block(self):
        MOCKS["elevenlabs"].fail_next("quota", count=1)
        job_id = self.server.submit(self.token, {"blocks": [
            {"text": "Fine.", "provider": "espeak"},
            {"text": "Over quota.", "provider": "elevenlabs", "cache": False}]})
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "failed")
        self.assertEqual(MOCKS["elevenlabs"].request_count(), 1)
        self.assertIn("block 1", status["error"])
        self.assertIn("quota", status["blocks"][1]["error"])
        self.assertNotIn(MOCKS["elevenlabs"].key, json.dumps(status))
        # Its /result says why there is nothing, block by block.
        result = self.server.request("GET", f"/result/{job_id}", token=self.token)
        self.assertEqual((result.status, result.error_code()), (409, "JOB_FAILED"))
        error = result.json()["error"]
        self.assertIn("block 1", error["message"])
        self.assertEqual(error["field"], "blocks[1]")
        self.assertEqual([d["field"] for d in error["details"]], ["blocks[1]"])
        self.assertEqual(error["details"][0]["message"], status["blocks"][1]["error"])
        self.assertNotIn(MOCKS["elevenlabs"].key, result.body.decode())

    def test_fallback_voice_takes_over_a_failing_vendor(self):
        MOCKS["kokoro"].fail_next("error", count=1, status=400, message="bad request")
        job_id = self.server.submit(self.token, {"blocks": [
            {"text": "Kokoro refuses, OpenAI speaks.", "provider": "kokoro", "cache": False,
             "fallback": [{"provider": "openai", "voice": "nova"}]}]})
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "completed", status)
        self.assertEqual(status["blocks"][0]["provider"], "openai")

    def test_no_key_in_logs_or_responses(self):
        MOCKS["ghaymah_pro"].fail_next("error", count=1, status=401, message="bad key")
        job_id = self.server.submit(self.token, {"blocks": [
            {"text": "Key check.", "provider": "ghaymah_pro", "cache": False}]})
        status = self.server.wait_for(self.token, job_id)
        everything = json.dumps(status) + "".join(self.server.log_lines) + \
            "".join(self.server.stderr_lines)
        for name, key in mock_vendors.DEFAULT_KEYS.items():
            self.assertNotIn(key, everything, name)


class BreakerTest(unittest.TestCase):
    def test_a_failing_vendor_opens_the_circuit_then_recovers(self):
        server = service(TASK_MAX_RETRIES=8, WORKER_CONCURRENCY=1, CIRCUIT_OPEN_SECONDS=2)
        try:
            MOCKS["openai"].reset()
            token = server.login()
            MOCKS["openai"].fail_next("server_error", count=5, status=500)
            job_id = server.submit(token, {"blocks": [
                {"text": "The vendor recovers eventually.", "provider": "openai",
                 "cache": False}]})
            status = server.wait_for(token, job_id, timeout=120)
            self.assertEqual(status["status"], "completed", status)
            metrics = server.request("GET", "/metrics").body.decode()
            self.assertRegex(metrics,
                             r'polyvox_provider_short_circuited_total\{provider="openai"\} [1-9]')
            # Calls refused by the open circuit never reached the vendor.
            self.assertEqual(MOCKS["openai"].request_count(), 6)
        finally:
            server.close()


class DiacritizerTest(unittest.TestCase):
    def test_diacritizer_failures_are_retried_and_legacy_field_accepted(self):
        server = service()
        legacy = mock_vendors.DiacritizerMock(legacy=True).start()
        try:
            MOCKS["diacritizer"].reset()
            MOCKS["openai"].reset()
            token = server.login()
            MOCKS["diacritizer"].fail_next("server_error", count=1, status=503)
            job_id = server.submit(token, {"blocks": [
                {"text": "نص عربي", "provider": "openai", "arabic": True, "cache": False}]})
            self.assertEqual(server.wait_for(token, job_id)["status"], "completed")
            self.assertEqual(MOCKS["diacritizer"].request_count(), 2)
            self.assertEqual(MOCKS["openai"].requests()[-1]["json"]["input"],
                             MOCKS["diacritizer"].vocalize("نص عربي"))
        finally:
            server.close()
        server = service(DIACRITIZER_URL=legacy.url)
        try:
            token = server.login()
            job_id = server.submit(token, {"blocks": [
                {"text": "قديم", "provider": "openai", "arabic": True, "cache": False}]})
            self.assertEqual(server.wait_for(token, job_id)["status"], "completed")
            self.assertEqual(MOCKS["openai"].requests()[-1]["json"]["input"],
                             legacy.vocalize("قديم"))
        finally:
            server.close()
            legacy.stop()

    def test_post_diacritize_names_no_internal_detail_of_a_failing_service(self):
        # The service's address and libcurl's words reached API clients, with the whole of an
        # error page; a 4xx refusing the text was a 500.
        server = service()
        try:
            MOCKS["diacritizer"].reset()
            token = server.login()
            MOCKS["diacritizer"].fail_next("server_error", count=20, status=500,
                                           message="Traceback " + "x" * 5000)
            res = server.request("POST", "/diacritize", {"text": "نص"}, token=token)
            self.assertEqual(res.status, 503, res)
            message = res.json()["error"]["message"]
            self.assertIn("diacritizer: HTTP 500: Traceback", message)
            self.assertLess(len(message.encode()), 300, message)
            MOCKS["diacritizer"].reset()
            MOCKS["diacritizer"].fail_next("error", count=20, status=422, message="too long")
            res = server.request("POST", "/diacritize", {"text": "نص"}, token=token)
            self.assertEqual(res.status, 400, res)
            self.assertEqual(res.json()["error"]["field"], "text")
            self.assertIn("too long", res.json()["error"]["message"])
        finally:
            MOCKS["diacritizer"].reset()
            server.close()
        port = mock_vendors.free_port()
        server = service(DIACRITIZER_URL=f"http://127.0.0.1:{port}/diacritize")
        try:
            res = server.request("POST", "/diacritize", {"text": "نص"}, token=server.login())
            self.assertEqual(res.status, 503, res)
            self.assertNotIn(str(port), res.json()["error"]["message"])
            # The log, read from the server's stdout as it comes, has the details.
            poll_until(lambda: any(e.get("msg") == "diacritizer request failed" and
                                   str(port) in e.get("error", "") for e in server.logs()),
                       10, "the failure's details were not logged")
        finally:
            server.close()

    def test_only_the_marks_of_an_answer_that_changed_the_text_are_taken(self):
        vocalize = MOCKS["diacritizer"].vocalize
        server = service()
        try:
            MOCKS["diacritizer"].reset()
            MOCKS["openai"].reset()
            token = server.login()
            # The server dropped a word and changed the question mark: the provider still hears
            # the user's text, with the answer's marks on the letters that match.
            MOCKS["diacritizer"].fail_next("rewrite", answer=vocalize("ذهب إلى السوق؟"))
            job_id = server.submit(token, {"blocks": [
                {"text": "ذهب محمد إلى السوق?", "provider": "openai", "arabic": True,
                 "cache": False}]})
            self.assertEqual(server.wait_for(token, job_id)["status"], "completed")
            self.assertEqual(MOCKS["openai"].requests()[-1]["json"]["input"],
                             vocalize("ذهب ") + "محمد " + vocalize("إلى السوق") + "?")
            self.assertEqual(MOCKS["diacritizer"].request_count(), 1)
            # An answer far longer than any marking of the text is not read: retried.
            MOCKS["diacritizer"].fail_next("rewrite", answer="ب" * 300000)
            job_id = server.submit(token, {"blocks": [
                {"text": "نص طويل", "provider": "openai", "arabic": True, "cache": False}]})
            self.assertEqual(server.wait_for(token, job_id)["status"], "completed")
            self.assertEqual(MOCKS["diacritizer"].request_count(), 3)
            self.assertEqual(MOCKS["openai"].requests()[-1]["json"]["input"], vocalize("نص طويل"))
            # An answer that only rewrote punctuation loses no letter: no warning.
            MOCKS["diacritizer"].fail_next("rewrite", answer=vocalize("نعم؟"))
            job_id = server.submit(token, {"blocks": [
                {"text": "نعم?", "provider": "openai", "arabic": True, "cache": False}]})
            self.assertEqual(server.wait_for(token, job_id)["status"], "completed")
            self.assertEqual(MOCKS["openai"].requests()[-1]["json"]["input"], vocalize("نعم") + "?")
            server.stop()  # every log line read
            warnings = [e for e in server.logs()
                        if e.get("msg", "").startswith("diacritizer answered another text")]
            self.assertEqual(len(warnings), 1, warnings)
            self.assertEqual((warnings[0]["letters"], warnings[0]["letters_matched"]), (15, 11))
            self.assertNotIn("محمد", json.dumps(warnings, ensure_ascii=False))  # no user text
        finally:
            server.close()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
