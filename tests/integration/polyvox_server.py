"""Test harness: runs the real `polyvox serve` on a free loopback port with a temporary data
directory, and speaks HTTP to it."""
import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

ADMIN_PASSWORD = "admin-password-for-tests"
SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"


def poll_until(condition, timeout, what, interval=0.05):
    """Calls `condition()` every `interval` seconds until it returns something true, and returns
    that; after `timeout` seconds without, fails with `what` (a message, or a function that
    makes one, for messages that show the state at the end). The tests' one way of waiting for
    what another process does: the condition polled, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        got = condition()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what() if callable(what) else what} (not within {timeout} s)")
        time.sleep(interval)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    def json(self):
        return json.loads(self.body)

    def error_code(self):
        return self.json()["error"]["code"]

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Client:
    """Speaks HTTP to a polyvox API on a loopback port: the requests every test makes, for a
    server run by `Server` below or by another harness (supervisord)."""

    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None, token=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        result = Response(res.status, {k.lower(): v for k, v in res.getheaders()}, data)
        conn.close()
        return result

    def login(self, username="admin", password=ADMIN_PASSWORD):
        res = self.request("POST", "/token",
                           urllib.parse.urlencode({"username": username, "password": password}),
                           {"Content-Type": "application/x-www-form-urlencoded"})
        if res.status != 200:
            raise AssertionError(f"login failed: {res}")
        return res.json()["access_token"]

    def submit(self, token, job):
        res = self.request("POST", "/tts", job, token=token)
        if res.status != 202:
            raise AssertionError(f"submit failed: {res}")
        return res.json()["job_id"]

    def wait_for(self, token, job_id, statuses=("completed", "failed", "cancelled"), timeout=120,
                 poll_s=0.05):
        """Polls /status every `poll_s` seconds until the job reaches one of `statuses`."""
        res = None

        def reached():
            nonlocal res
            res = self.request("GET", f"/status/{job_id}", token=token)
            return res.status == 200 and res.json()["status"] in statuses and res.json()

        return poll_until(reached, timeout, lambda: f"job {job_id} did not reach {statuses}: "
                          f"{res}", poll_s)

    def wait_healthy(self, timeout=30, interval=0.05):
        """Polls /health until it answers 200 (connections refused meanwhile are waited out):
        200, or a failure naming the last answer."""
        status = None

        def healthy():
            nonlocal status
            try:
                status = self.request("GET", "/health", timeout=2).status
            except OSError as e:
                status = repr(e)
            return status == 200

        poll_until(healthy, timeout, lambda: f"/health answers {status}", interval)
        return status


class Server(Client):
    """Runs `polyvox serve` and is the client of it."""

    def __init__(self, binary, data_dir=None, **env):
        self.binary = binary
        self.owned_dir = None if data_dir else tempfile.TemporaryDirectory()
        self.data_dir = data_dir or self.owned_dir.name
        self.env = dict(os.environ)
        self.env.update({"PORT": "0", "HOST": "127.0.0.1", "POLYVOX_DATA_DIR": self.data_dir,
                         "ADMIN_PASSWORD": ADMIN_PASSWORD, "SECRET_KEY": SECRET_KEY,
                         "WORKER_CONCURRENCY": "2", "LOG_FORMAT": "json", "LOG_LEVEL": "info"})
        self.env.update({k: str(v) for k, v in env.items()})
        super().__init__(None)
        self.process = None
        self.log_lines = []
        self.stderr_lines = []

    def start(self, timeout=30):
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, cwd=self.data_dir,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready = threading.Event()

        def read_stderr():
            for line in self.process.stderr:
                self.stderr_lines.append(line)
                match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
                if match:
                    self.port = int(match.group(1))
                    ready.set()
            ready.set()

        def read_stdout():
            for line in self.process.stdout:
                self.log_lines.append(line)

        self.readers = [threading.Thread(target=read_stderr, daemon=True),
                        threading.Thread(target=read_stdout, daemon=True)]
        for reader in self.readers:
            reader.start()
        if not ready.wait(timeout) or self.port is None:
            self.process.kill()
            raise RuntimeError("server did not start: " + "".join(self.stderr_lines))
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            for reader in self.readers:
                reader.join(5)  # the pipes reach EOF once the process is gone
            self.process.stdout.close()
            self.process.stderr.close()
        return self.process.returncode if self.process else None

    def kill(self):
        return self.stop(signal.SIGKILL)

    def close(self):
        self.stop()
        if self.owned_dir:
            self.owned_dir.cleanup()

    def logs(self):
        """Structured log events written so far."""
        events = []
        for line in list(self.log_lines):
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        return events

    def users(self, *args, stdin=None):
        return subprocess.run([self.binary, "users", *args], env=self.env, cwd=self.data_dir,
                              input=stdin, capture_output=True, text=True)


def seconds_until_refused(send, limit=3.0):
    """Polls `send()` (a request answering 200 while a credential works) until it answers 401;
    how long that took (from the call)."""
    start = time.monotonic()
    while True:
        res = send()
        elapsed = time.monotonic() - start
        if res.status == 401:
            return elapsed
        if res.status != 200 or elapsed > limit:
            raise AssertionError(f"still {res.status} after {elapsed:.3f} s: {res}")
        time.sleep(0.01)  # polling the answer


def decoded_samples(path_or_bytes):
    """Mono s16 sample count of an audio file, decoded by ffmpeg (gapless info honoured)."""
    data = path_or_bytes
    if isinstance(path_or_bytes, (bytes, bytearray)):
        tmp = tempfile.NamedTemporaryFile(suffix=".bin", delete=False)
        tmp.write(path_or_bytes)
        tmp.close()
        data = tmp.name
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", data, "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True)
    if isinstance(path_or_bytes, (bytes, bytearray)):
        os.unlink(data)
    return len(out.stdout) // 2, out.stderr.decode()
