#!/usr/bin/env python3
"""Webhooks end to end, on the real binary: a job's end is POSTed to its webhook_url with its
final /status body, signed as Standard Webhooks says (verified here with Python's hmac, not the
service's code); retried after a 500 with the same webhook-id; never connected where the address
guard refuses (WEBHOOK_ALLOWED_HOSTS); delivered after the process that finished the job was
killed before its webhook was answered, in embedded mode (`serve`) and distributed mode
(`worker`)."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server, poll_until  # noqa: E402
from redis_cluster import Cluster  # noqa: E402
from webhook_receiver import Receiver, SilentListener, verify  # noqa: E402

BINARY = None


def job(webhook_url=None, blocks=1):
    body = {"blocks": [{"text": f"Webhook block {i}.", "provider": "espeak"}
                       for i in range(blocks)]}
    if webhook_url is not None:
        body["webhook_url"] = webhook_url
    return body


def wait_for_event(events, msg, predicate, timeout=60):
    """The first log event called `msg` that satisfies `predicate` (polls the log)."""
    return poll_until(lambda: next((e for e in events()
                                    if e.get("msg") == msg and predicate(e)), None),
                      timeout, f"no {msg!r} event")


class EmbeddedWebhooksTest(unittest.TestCase):
    def setUp(self):
        self.receivers = []
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.close()
        for receiver in self.receivers:
            receiver.close()

    def server(self, **env):
        server = Server(BINARY, **env).start()
        self.servers.append(server)
        return server

    def receiver(self, script=()):
        receiver = Receiver(script)
        self.receivers.append(receiver)
        return receiver

    def test_the_final_status_body_arrives_signed_and_verifies_independently(self):
        receiver = self.receiver()
        server = self.server(WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        token = server.login()
        secret = server.request("GET", "/webhook-secret", token=token)
        self.assertEqual(secret.status, 200, secret)
        self.assertEqual(secret.headers.get("cache-control"), "no-store")
        secret = secret.json()["secret"]
        self.assertTrue(secret.startswith("whsec_"))
        job_id = server.submit(token, job(receiver.url("/hooks/polyvox?tenant=7"), blocks=2))

        request = receiver.wait_for_requests(1)[0]
        self.assertEqual(request["path"], "/hooks/polyvox?tenant=7")
        self.assertEqual(request["headers"]["content-type"], "application/json")
        self.assertEqual(request["headers"]["webhook-id"], "msg_" + job_id)
        self.assertTrue(verify(secret, request), request["headers"])
        # The body is the job's final /status body, byte for byte what GET /status/{id} says.
        status = server.request("GET", f"/status/{job_id}", token=token)
        self.assertEqual(request["body"], status.body)
        self.assertEqual(json.loads(request["body"])["status"], "completed")
        delivered = wait_for_event(server.logs, "webhook delivered",
                                   lambda e: e["job_id"] == job_id)
        self.assertEqual(delivered["status"], 200)
        # Secrets never reach the log.
        self.assertNotIn(secret, "".join(server.log_lines) + "".join(server.stderr_lines))

    def test_rotation_signs_with_the_new_secret(self):
        receiver = self.receiver()
        server = self.server(WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        token = server.login()
        old = server.request("GET", "/webhook-secret", token=token).json()["secret"]
        self.assertEqual(server.request("GET", "/webhook-secret", token=token).json()["secret"],
                         old)
        rotated = server.request("POST", "/webhook-secret/rotate", token=token)
        self.assertEqual(rotated.status, 200, rotated)
        new = rotated.json()["secret"]
        self.assertNotEqual(new, old)
        self.assertEqual(server.request("GET", "/webhook-secret", token=token).json()["secret"],
                         new)
        server.submit(token, job(receiver.url()))
        request = receiver.wait_for_requests(1)[0]
        self.assertTrue(verify(new, request))
        self.assertFalse(verify(old, request))

    def test_only_a_token_from_slash_token_may_see_the_secret(self):
        server = self.server()
        self.assertEqual(server.request("GET", "/webhook-secret").status, 401)
        by_key = server.request("GET", "/webhook-secret", token="pvx_0123456789abcdef")
        self.assertEqual(by_key.status, 403, by_key)
        self.assertIn("API keys", by_key.json()["error"]["message"])
        self.assertEqual(
            server.request("POST", "/webhook-secret/rotate", token="pvx_0123456789abcdef").status,
            403)

    def test_an_invalid_webhook_url_is_refused_naming_the_field(self):
        server = self.server()
        token = server.login()
        for url in ("ftp://example.com/", "https://user:secret@example.com/", "not a url",
                    "https://example.com/" + "a" * 2100):
            res = server.request("POST", "/tts", job(url), token=token)
            self.assertEqual(res.status, 400, res)
            self.assertEqual(res.json()["error"]["field"], "webhook_url")

    def test_webhook_url_setting_is_the_default_and_cancelled_jobs_send_theirs(self):
        receiver = self.receiver()
        server = self.server(WEBHOOK_ALLOWED_HOSTS="127.0.0.1", WEBHOOK_URL=receiver.url("/default"),
                             WORKER_CONCURRENCY="1")
        token = server.login()
        quiet = server.submit(token, job(""))  # "" opts out of the default
        server.wait_for(token, quiet)
        cancelled = server.submit(token, job(blocks=40))
        res = server.request("DELETE", f"/jobs/{cancelled}", token=token)
        self.assertEqual(res.json()["status"], "cancelled", res)
        request = receiver.wait_for_requests(1)[0]
        self.assertEqual(request["path"], "/default")
        self.assertEqual(request["headers"]["webhook-id"], "msg_" + cancelled)
        self.assertEqual(json.loads(request["body"])["status"], "cancelled")
        secret = server.request("GET", "/webhook-secret", token=token).json()["secret"]
        self.assertTrue(verify(secret, request))
        time.sleep(0.5)  # a webhook for the opted-out job would have come by now
        self.assertEqual(len(receiver.requests), 1)

    def test_a_500_is_retried_with_the_same_id_and_body(self):
        receiver = self.receiver([500, 200])
        server = self.server(WEBHOOK_ALLOWED_HOSTS="127.0.0.1", WEBHOOK_RETRY_BASE_SECONDS="1")
        token = server.login()
        job_id = server.submit(token, job(receiver.url()))
        first, second = receiver.wait_for_requests(2)
        secret = server.request("GET", "/webhook-secret", token=token).json()["secret"]
        for request in (first, second):
            self.assertEqual(request["headers"]["webhook-id"], "msg_" + job_id)
            self.assertTrue(verify(secret, request))
        self.assertEqual(first["body"], second["body"])
        self.assertGreaterEqual(second["at"] - first["at"], 0.75)  # the backoff: 1 s, jitter 0.8
        failed = wait_for_event(server.logs, "webhook attempt failed",
                                lambda e: e["job_id"] == job_id)
        self.assertEqual(failed["error"], "HTTP 500")
        wait_for_event(server.logs, "webhook delivered", lambda e: e["job_id"] == job_id)

    def test_without_the_allowance_no_connection_is_attempted(self):
        listener = SilentListener()
        try:
            server = self.server()  # WEBHOOK_ALLOWED_HOSTS unset: loopback is refused
            token = server.login()
            job_id = server.submit(token, job(listener.url()))
            refused = wait_for_event(server.logs, "webhook attempt failed",
                                     lambda e: e["job_id"] == job_id)
            self.assertIn("refused by the address guard: 127.0.0.1 is loopback", refused["error"])
            # Checked after the refusal was recorded: nothing ever connected.
            self.assertEqual(listener.pending_connections(), 0)
        finally:
            listener.close()

    def test_a_crash_before_the_answer_still_delivers_after_a_restart(self):
        receiver = self.receiver(["hang", 200])
        server = self.server(WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        token = server.login()
        secret = server.request("GET", "/webhook-secret", token=token).json()["secret"]
        job_id = server.submit(token, job(receiver.url()))
        receiver.wait_for_requests(1)  # the job is completed; its webhook is in flight
        server.kill()                  # kill -9 before any answer
        restarted = self.server(data_dir=server.data_dir, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        first, second = receiver.wait_for_requests(2)
        self.assertEqual(second["headers"]["webhook-id"], "msg_" + job_id)
        self.assertEqual(second["headers"]["webhook-id"], first["headers"]["webhook-id"])
        self.assertTrue(verify(secret, second))
        # Built again from the stored job, the body is the one the first attempt sent; its links
        # are under the base URL the job was submitted to (the first server's port).
        self.assertEqual(second["body"], first["body"])
        status = restarted.request("GET", f"/status/{job_id}", token=restarted.login()).json()
        body = json.loads(second["body"])
        self.assertEqual(body["status"], "completed")
        self.assertEqual(body["result_url"],
                         f"http://127.0.0.1:{server.port}/result/{job_id}/audio")
        del body["result_url"], status["result_url"]
        self.assertEqual(body, status)


class DistributedWebhooksTest(unittest.TestCase):
    def test_a_worker_killed_before_the_answer_is_replaced_and_the_webhook_arrives(self):
        receiver = Receiver(["hang", 200])
        cluster = Cluster(BINARY, apis=1, workers=1, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        try:
            api = cluster.apis[0]
            token = api.login()
            secret = api.request("GET", "/webhook-secret", token=token).json()["secret"]
            job_id = api.submit(token, job(receiver.url(), blocks=2))
            receiver.wait_for_requests(1)
            cluster.workers[0].stop(sig=9)  # kill -9 the worker that finished the job
            cluster.add_worker()            # takes the delivery over once its lease expires
            first, second = receiver.wait_for_requests(2, timeout=90)
            self.assertEqual(second["headers"]["webhook-id"], "msg_" + job_id)
            self.assertEqual(first["body"], second["body"])
            self.assertTrue(verify(secret, second))
            self.assertEqual(json.loads(second["body"]),
                             api.request("GET", f"/status/{job_id}", token=token).json())
            self.assertEqual(json.loads(second["body"])["status"], "completed")
        finally:
            receiver.close()
            cluster.close()

    def test_a_job_cancelled_on_an_api_node_is_delivered_by_a_worker(self):
        receiver = Receiver()
        cluster = Cluster(BINARY, apis=1, workers=0, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        try:
            api = cluster.apis[0]
            token = api.login()
            job_id = api.submit(token, job(receiver.url(), blocks=3))
            # No worker runs: the API node's cancellation writes the final state and the outbox.
            self.assertEqual(api.request("DELETE", f"/jobs/{job_id}", token=token).status, 200)
            cluster.add_worker()
            request = receiver.wait_for_requests(1)[0]
            self.assertEqual(request["headers"]["webhook-id"], "msg_" + job_id)
            self.assertEqual(json.loads(request["body"])["status"], "cancelled")
            secret = api.request("GET", "/webhook-secret", token=token).json()["secret"]
            self.assertTrue(verify(secret, request))
        finally:
            receiver.close()
            cluster.close()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
