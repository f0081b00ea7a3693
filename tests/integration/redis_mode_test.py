#!/usr/bin/env python3
"""Distributed mode end to end: a real redis-server (AOF) on a free loopback port, two API nodes
(`polyvox serve` with REDIS_URL) and two worker nodes (`polyvox worker`) sharing a data
directory. A token from one node works on the other (until a password change or removal made
anywhere), jobs submitted anywhere complete once, and while Redis is down the API answers 503
with Retry-After and the workers wait, then resume; once Redis is back after a restart, no
request fails."""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server, decoded_samples, poll_until  # noqa: E402
from redis_cluster import Cluster, RedisProcess  # noqa: E402

BINARY = None


def job(blocks):
    return {"blocks": [{"text": f"Block {i} of a distributed job.", "provider": "espeak",
                        "wait_after_ms": 50} for i in range(blocks)]}


class DistributedModeTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(BINARY, apis=2, workers=2)
        self.redis = self.cluster.redis
        self.api_a, self.api_b = self.cluster.apis

    def tearDown(self):
        outputs = [w.output()[-2000:] for w in self.cluster.workers]
        codes = self.cluster.close()
        for output, code in zip(outputs, codes):
            self.assertEqual(code, 0, output)

    def test_jobs_submitted_on_either_node_complete_once(self):
        token = self.api_a.login()
        ids = [self.api_a.submit(token, job(4)), self.api_b.submit(token, job(3)),
               self.api_a.submit(token, job(1))]
        for job_id, blocks in zip(ids, (4, 3, 1)):
            status = self.api_b.wait_for(token, job_id, timeout=120)  # polled on the other node
            self.assertEqual(status["status"], "completed", status)
            self.assertEqual(status["progress"], f"{blocks}/{blocks}")
            audio = self.api_a.request("GET", f"/result/{job_id}/audio", token=token)
            self.assertEqual(audio.status, 200)
            samples, errors = decoded_samples(audio.body)
            self.assertEqual(errors, "")
            self.assertGreater(samples, 0)
        listed = self.api_b.request("GET", "/jobs", token=token).json()
        self.assertEqual({j["job_id"] for j in listed["jobs"]}, set(ids))
        ready = self.api_a.request("GET", "/ready")
        self.assertEqual(ready.status, 200, ready)

    def test_password_change_and_removal_revoke_tokens_on_every_node(self):
        self.assertEqual(self.api_a.users("add", "lena", "--password", "lena-password").returncode,
                         0)
        token = self.api_a.login("lena", "lena-password")
        job_id = self.api_a.submit(token, job(1))
        self.assertEqual(self.api_b.request("GET", "/jobs", token=token).status, 200)
        self.api_b.users("passwd", "lena", "--password", "lena-password-2")
        self.assertEqual(self.api_b.request("GET", "/jobs", token=token).status, 401)
        self.assertEqual(self.api_a.request("GET", "/jobs", token=token).status, 401)
        current = self.api_b.login("lena", "lena-password-2")
        self.assertEqual(self.api_a.request("GET", f"/status/{job_id}", token=current).status, 200)
        # Removed and added again under the same name: someone new, without the old jobs.
        self.api_a.users("remove", "lena")
        self.api_a.users("add", "lena", "--password", "lena-password-3")
        self.assertEqual(self.api_b.request("GET", "/jobs", token=current).status, 401)
        again = self.api_b.login("lena", "lena-password-3")
        self.assertEqual(self.api_a.request("GET", f"/status/{job_id}", token=again).status, 403)
        self.assertEqual(self.api_a.request("GET", "/jobs", token=again).json()["total"], 0)

    def test_redis_down_is_503_then_everything_resumes(self):
        token = self.api_a.login()
        self.redis.stop()
        status = self.api_a.request("GET", "/status/00000000-0000-4000-8000-000000000000",
                                    token=token)
        self.assertEqual(status.status, 503, status)
        self.assertEqual(status.error_code(), "UNAVAILABLE")
        self.assertIn("retry-after", status.headers)
        submitted = self.api_b.request("POST", "/tts", job(2), token=token)
        self.assertEqual(submitted.status, 503, submitted)
        self.assertEqual(self.api_a.request("GET", "/ready").status, 503)
        self.assertEqual(self.api_a.request("GET", "/health").status, 200)

        self.redis.start()  # same port, same AOF

        def accepted():
            res = self.api_a.request("POST", "/tts", job(2), token=token)
            if res.status != 202:
                self.assertEqual(res.status, 503, res)
            return res.status == 202 and res

        res = poll_until(accepted, 20, "the API did not recover")
        status = self.api_b.wait_for(token, res.json()["job_id"], timeout=120)
        self.assertEqual(status["status"], "completed", status)

    def test_first_requests_after_a_redis_restart_succeed(self):
        # Issue 12: after Redis restarted, the first request on each pooled connection of an API
        # node answered 503 although Redis was back.
        token = self.api_a.login()
        job_id = self.api_a.submit(token, job(1))

        def statuses(count):
            """`count` GET /status at once: they take as many pooled Redis connections."""
            answers = [None] * count

            def one(i):
                answers[i] = self.api_a.request("GET", f"/status/{job_id}", token=token)

            threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return answers

        self.assertEqual([r.status for r in statuses(8)], [200] * 8)  # connections pooled
        self.redis.stop()
        self.redis.start()  # same port, same AOF; answers PING
        answers = statuses(8)
        self.assertEqual([r.status for r in answers], [200] * 8, answers)
        submitted = self.api_a.request("POST", "/tts", job(1), token=token)
        self.assertEqual(submitted.status, 202, submitted)

        # Requests during an outage answer 503; once Redis is back, the first ones 200.
        self.redis.stop()
        down = self.api_a.request("GET", f"/status/{job_id}", token=token)
        self.assertEqual(down.status, 503, down)
        self.redis.start()
        answers = statuses(8)
        self.assertEqual([r.status for r in answers], [200] * 8, answers)
        status = self.api_b.wait_for(token, submitted.json()["job_id"], timeout=120)
        self.assertEqual(status["status"], "completed", status)


class ApiNodeStartTest(unittest.TestCase):
    def test_api_node_started_before_redis_waits_for_it(self):
        redis = RedisProcess()  # its port chosen, not started yet
        server = Server(BINARY, REDIS_URL=redis.url, ADMIN_USERNAME="admin",
                        SECRET_KEY="start-order-secret-0123456789abcdef-0123456789")
        started = {}
        starter = threading.Thread(target=lambda: started.update(server=server.start(timeout=60)))
        try:
            starter.start()
            poll_until(lambda: any("waiting for Redis" in line for line in server.log_lines), 30,
                       lambda: "".join(server.stderr_lines))
            self.assertIsNone(server.process.poll())  # waiting, not exited
            redis.start()
            starter.join(60)
            self.assertIn("server", started, "".join(server.stderr_lines))
            token = server.login()
            res = server.request("GET", "/jobs", token=token)
            self.assertEqual(res.status, 200)
        finally:
            server.close()
            redis.close()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
