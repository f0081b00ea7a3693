#!/usr/bin/env python3
"""deploy/supervisord.conf run by Debian's supervisord, as in the all-in-one container: Redis, an
API node and a worker node start, a job submitted to the API is rendered by the worker through
Redis, every program logs to supervisord's stdout, and SIGTERM stops them all."""
import getpass
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from polyvox_server import ADMIN_PASSWORD, SECRET_KEY, Response, poll_until  # noqa: E402

BINARY = None
CONF = os.path.join(HERE, "..", "..", "deploy", "supervisord.conf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SupervisordTest(unittest.TestCase):
    def test_redis_api_and_worker_under_supervisord(self):
        with tempfile.TemporaryDirectory() as tmp:
            api_port, redis_port = free_port(), free_port()
            os.makedirs(os.path.join(tmp, "redis"))
            env = dict(os.environ, USER=getpass.getuser(), SUPERVISOR_RUN_DIR=tmp,
                       REDIS_PORT=str(redis_port), REDIS_DIR=os.path.join(tmp, "redis"),
                       POLYVOX_BIN=BINARY, POLYVOX_DATA_DIR=os.path.join(tmp, "data"),
                       HOST="127.0.0.1", PORT=str(api_port), SECRET_KEY=SECRET_KEY,
                       ADMIN_PASSWORD=ADMIN_PASSWORD, WORKER_CONCURRENCY="2", LOG_FORMAT="json")
            proc = subprocess.Popen(["supervisord", "-c", CONF], env=env, cwd=tmp,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            lines = []
            reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
            reader.start()
            try:
                server = _Api(api_port)
                server.wait_healthy(60)
                token = server.login()
                job_id = server.submit(token, {"blocks": [{"text": "Under supervision."},
                                                          {"text": "Second block."}]})
                status = server.wait_for(token, job_id, 60)
                self.assertEqual(status["status"], "completed", status)
            finally:
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(60)
                reader.join(10)
                proc.stdout.close()
            output = "".join(lines)
            self.assertEqual(code, 0, output[-3000:])
            # Every program's lines reach supervisord's stdout.
            self.assertIn('"msg":"polyvox serving"', output)
            self.assertIn('"msg":"polyvox worker started"', output)
            self.assertIn('"msg":"job completed"', output)
            self.assertIn("Ready to accept connections", output)  # redis
            self.assertIn('"msg":"stopped"', output)  # the nodes stopped cleanly on SIGTERM


class _Api:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None, token=None):
        import http.client
        import json
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        if isinstance(body, dict):
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        out = Response(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
        conn.close()
        return out

    def wait_healthy(self, timeout):
        def healthy():
            try:
                return self.request("GET", "/health").status == 200
            except OSError:
                return False

        poll_until(healthy, timeout, "the API never became healthy", interval=0.1)

    def login(self):
        res = self.request("POST", "/token",
                           urllib.parse.urlencode({"username": "admin",
                                                   "password": ADMIN_PASSWORD}),
                           {"Content-Type": "application/x-www-form-urlencoded"})
        assert res.status == 200, res
        return res.json()["access_token"]

    def submit(self, token, job):
        res = self.request("POST", "/tts", job, token=token)
        assert res.status == 202, res
        return res.json()["job_id"]

    def wait_for(self, token, job_id, timeout):
        def finished():
            res = self.request("GET", f"/status/{job_id}", token=token)
            return (res.status == 200 and res.json()["status"] in ("completed", "failed")
                    and res.json())

        return poll_until(finished, timeout, f"job {job_id} did not finish", interval=0.1)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
