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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from polyvox_server import ADMIN_PASSWORD, SECRET_KEY, Client  # noqa: E402

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
                server = Client(api_port)
                server.wait_healthy(60, interval=0.1)
                token = server.login()
                job_id = server.submit(token, {"blocks": [{"text": "Under supervision."},
                                                          {"text": "Second block."}]})
                status = server.wait_for(token, job_id, timeout=60, poll_s=0.1)
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


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
