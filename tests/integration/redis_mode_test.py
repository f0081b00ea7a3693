#!/usr/bin/env python3
"""Distributed mode end to end: a real redis-server (AOF) on a free loopback port, two API nodes
(`polyvox serve` with REDIS_URL) and two worker nodes (`polyvox worker`) sharing a data
directory. A token from one node works on the other, jobs submitted anywhere complete once, and
while Redis is down the API answers 503 with Retry-After and the workers wait, then resume."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server, decoded_samples  # noqa: E402

BINARY = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """redis-server with AOF in a temporary directory; start() waits until it answers PING."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="polyvox-redis-")
        self.port = free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", self.dir, "--logfile", "redis.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            time.sleep(0.01)  # polling PING
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # a clean shutdown: the AOF is flushed
            self.process.wait(10)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


class WorkerProcess:
    def __init__(self, env, data_dir):
        self.log = tempfile.TemporaryFile(mode="w+")  # a file: a pipe nobody reads would fill up
        self.process = subprocess.Popen([BINARY, "worker"], env=env, cwd=data_dir,
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.seek(0)
        output = self.log.read()
        self.log.close()
        return self.process.returncode, output


def job(blocks):
    return {"blocks": [{"text": f"Block {i} of a distributed job.", "provider": "espeak",
                        "wait_after_ms": 50} for i in range(blocks)]}


class DistributedModeTest(unittest.TestCase):
    def setUp(self):
        self.redis = RedisProcess().start()
        self.data = tempfile.TemporaryDirectory()
        env = {"REDIS_URL": self.redis.url, "REDIS_KEY_PREFIX": "it:", "TASK_LEASE_SECONDS": "3",
               "WORKER_CONCURRENCY": "2"}
        self.api_a = Server(BINARY, data_dir=self.data.name, **env).start()
        self.api_b = Server(BINARY, data_dir=self.data.name, **env).start()
        self.workers = [WorkerProcess(self.api_a.env, self.data.name) for _ in range(2)]

    def tearDown(self):
        outputs = [w.stop() for w in self.workers]
        for api in (self.api_a, self.api_b):
            api.stop()
        self.redis.close()
        self.data.cleanup()
        for code, output in outputs:
            self.assertEqual(code, 0, output[-2000:])

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
        deadline = time.monotonic() + 20
        while True:
            res = self.api_a.request("POST", "/tts", job(2), token=token)
            if res.status == 202:
                break
            self.assertEqual(res.status, 503, res)
            self.assertLess(time.monotonic(), deadline, "the API did not recover")
            time.sleep(0.05)
        status = self.api_b.wait_for(token, res.json()["job_id"], timeout=120)
        self.assertEqual(status["status"], "completed", status)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
