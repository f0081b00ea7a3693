#!/usr/bin/env python3
"""`polyvox submit` against a real `polyvox serve` (and the in-repo mock vendors for a paid
vendor's quota failure): submit + --follow + -o of a local-voice job (exit 0, the file is the
server's /result/{id}/audio, a progress line per block), -o - and the silent follow, an invalid
job (exit 2 naming the field), a failing job (exit 3), no server (exit 1), a malformed
POLYVOX_URL (exit 2), no credentials and no terminal (exit 2), a login typed on a terminal with
the password unechoed and the status line redrawn there, the token never printed, and a server
killed mid-follow and started again on the same data directory and port: the CLI reconnects with
Last-Event-ID and still exits 0."""
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import ADMIN_PASSWORD, Server  # noqa: E402

BINARY = None

LOCAL_JOB = {"project_id": "cli", "output_format": "mp3", "blocks": [
    {"text": "The first block, in espeak.", "provider": "espeak", "voice": "en-us",
     "wait_after_ms": 200},
    {"text": "The second block, in flite.", "provider": "flite", "voice": "slt"},
    {"text": "The third block, espeak again.", "provider": "espeak", "voice": "en"}]}


def write_job(directory, job, name="job.json"):
    import json
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(job, f)
    return path


class Cli:
    """Runs `polyvox submit` with a clean environment (no terminal: a new session)."""

    def __init__(self, url, token=None):
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("POLYVOX_TOKEN", "POLYVOX_API_KEY", "POLYVOX_URL")}
        self.env["POLYVOX_URL"] = url
        if token:
            self.env["POLYVOX_TOKEN"] = token
        self.outputs = []  # everything any run printed, for the token check

    def run(self, *args, stdin=b"", env=None, cwd=None, timeout=120):
        result = subprocess.run([BINARY, "submit", *args], input=stdin, capture_output=True,
                                env=dict(self.env, **(env or {})), cwd=cwd, timeout=timeout,
                                start_new_session=True)
        self.outputs.append(result.stdout + result.stderr)
        return result


class SubmitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The vendors of the failing, cancelled and slow jobs.
        cls.mocks = {"elevenlabs": mock_vendors.ElevenLabsMock().start(),
                     "openai": mock_vendors.OpenAiMock().start()}
        env = dict(mock_vendors.provider_env(cls.mocks), TASK_MAX_RETRIES=0,
                   WORKER_CONCURRENCY=2)
        cls.server = Server(BINARY, **env).start()
        cls.token = cls.server.login()
        cls.url = f"http://127.0.0.1:{cls.server.port}"
        cls.cli = Cli(cls.url, cls.token)
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        for output in cls.cli.outputs:
            assert cls.token.encode() not in output, "the token was printed"
        cls.server.close()
        cls.tmp.cleanup()
        for mock in cls.mocks.values():
            mock.stop()

    def audio_of(self, job_id):
        res = self.server.request("GET", f"/result/{job_id}/audio", token=self.token)
        self.assertEqual(res.status, 200)
        return res.body

    def test_follow_and_download_a_local_voice_job(self):
        out_dir = tempfile.mkdtemp(dir=self.tmp.name)
        out = os.path.join(out_dir, "speech.mp3")
        result = self.cli.run(write_job(out_dir, LOCAL_JOB), "--follow", "-o", out)
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 0, stderr)
        job_id = result.stdout.decode().strip()
        self.assertRegex(job_id, r"^[0-9a-f-]{36}$")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.audio_of(job_id))
        self.assertEqual(sorted(os.listdir(out_dir)), ["job.json", "speech.mp3"])  # no temporary left
        # stderr is not a terminal: a line per event, each block's "done" naming it.
        self.assertNotIn("\r", stderr)
        self.assertIn(f"job {job_id} ", stderr.splitlines()[0])
        for index, voice in ((0, "espeak"), (1, "flite, slt"), (2, "espeak")):
            done = [line for line in stderr.splitlines()
                    if re.search(rf"\] block {index} \({voice}[^)]*\) done: ", line)]
            self.assertEqual(len(done), 1, stderr)
        self.assertRegex(stderr.splitlines()[-1], r"^\[3/3\] job completed: [\d.]+ s of audio$")

    def test_audio_to_stdout_follows_silently(self):
        result = self.cli.run("-", "-o", "-", stdin=str.encode(
            '{"blocks": [{"text": "To standard output.", "provider": "flite"}]}'))
        self.assertEqual(result.returncode, 0, result.stderr)
        job_id = result.stderr.decode().strip()  # the id alone: no progress without --follow
        self.assertRegex(job_id, r"^[0-9a-f-]{36}$")
        self.assertEqual(result.stdout, self.audio_of(job_id))

    def test_submit_alone_prints_the_id_and_returns(self):
        result = self.cli.run("-", stdin=b'{"blocks": [{"text": "Just submitted."}]}')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, b"")
        job_id = result.stdout.decode().strip()
        self.assertEqual(self.server.wait_for(self.token, job_id)["status"], "completed")

    def test_an_invalid_job_exits_2_naming_the_field(self):
        result = self.cli.run("-", "--follow", stdin=(
            b'{"blocks": [{"text": "fine", "provider": "espeak"},'
            b' {"text": "x", "provider": "espeak", "wait_after_ms": -5}]}'))
        self.assertEqual(result.returncode, 2)
        stderr = result.stderr.decode()
        self.assertIn("blocks[1].wait_after_ms", stderr)
        self.assertIn("VALIDATION_ERROR", stderr)
        self.assertEqual(result.stdout, b"")

        result = self.cli.run("-", stdin=b"{not json")
        self.assertEqual(result.returncode, 2)
        self.assertIn("malformed JSON", result.stderr.decode())

        result = self.cli.run(os.path.join(self.tmp.name, "missing.json"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("missing.json", result.stderr.decode())

    def test_a_failing_job_exits_3_and_writes_no_file(self):
        self.mocks["elevenlabs"].reset()
        self.mocks["elevenlabs"].fail_next("quota", count=1)
        out_dir = tempfile.mkdtemp(dir=self.tmp.name)
        job = {"blocks": [{"text": "Fine.", "provider": "espeak"},
                          {"text": "Over quota.", "provider": "elevenlabs", "cache": False}]}
        result = self.cli.run(write_job(out_dir, job), "--follow", "-o",
                              os.path.join(out_dir, "never.mp3"))
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 3, stderr)
        self.assertRegex(stderr, r"block 1 \(elevenlabs[^)]*\) failed: .*quota")
        self.assertRegex(stderr, r"polyvox submit: job [0-9a-f-]{36} failed: .*quota")
        self.assertEqual(os.listdir(out_dir), ["job.json"])

    def test_a_cancelled_job_exits_3(self):
        self.mocks["openai"].reset()
        self.mocks["openai"].delay_s = 0.5
        job = write_job(tempfile.mkdtemp(dir=self.tmp.name), {"blocks": [
            {"text": "Slow enough to cancel.", "provider": "openai", "cache": False}]})
        try:
            proc = subprocess.Popen([BINARY, "submit", job, "--follow"], env=self.cli.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            job_id = proc.stdout.readline().decode().strip()
            res = self.server.request("DELETE", f"/jobs/{job_id}", token=self.token)
            self.assertEqual(res.status, 200, res)
            _, stderr = proc.communicate(timeout=60)
            proc.stdout.close()
            proc.stderr.close()
        finally:
            self.mocks["openai"].delay_s = 0.0
        self.cli.outputs.append(stderr)
        self.assertEqual(proc.returncode, 3, stderr)
        self.assertIn(b"was cancelled", stderr)

    def test_no_server_exits_1(self):
        cli = Cli(f"http://127.0.0.1:{mock_vendors.free_port()}", "some-token")
        result = cli.run("-", "--follow", stdin=b'{"blocks": [{"text": "Nobody listens."}]}')
        self.assertEqual(result.returncode, 1)
        self.assertIn("POST http://127.0.0.1:", result.stderr.decode())
        self.assertNotIn(b"some-token", result.stdout + result.stderr)

    def test_a_malformed_url_exits_2_naming_the_variable(self):
        for url in ("ftp://127.0.0.1:8000", "127.0.0.1:8000", "http://127.0.0.1:99999",
                    "http://user:hunter2@127.0.0.1"):
            result = Cli(url, self.token).run("-", stdin=b"{}")
            self.assertEqual(result.returncode, 2, url)
            self.assertIn("POLYVOX_URL", result.stderr.decode())
            self.assertNotIn(b"hunter2", result.stderr)

    def test_no_credentials_and_no_terminal_exits_2_naming_the_variables(self):
        result = Cli(self.url).run("-", stdin=b'{"blocks": [{"text": "Who am I?"}]}')
        self.assertEqual(result.returncode, 2)
        stderr = result.stderr.decode()
        self.assertIn("POLYVOX_TOKEN", stderr)
        self.assertIn("POLYVOX_API_KEY", stderr)

    def test_refused_credentials_exit_1_and_are_never_printed(self):
        fake = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.c2VjcmV0LXNpZ25hdHVyZQ"
        for variable in ("POLYVOX_TOKEN", "POLYVOX_API_KEY"):
            cli = Cli(self.url)
            cli.env[variable] = fake
            result = cli.run("-", "--follow", stdin=b'{"blocks": [{"text": "Refused."}]}')
            self.assertEqual(result.returncode, 1, variable)
            self.assertIn("HTTP 401", result.stderr.decode())
            self.assertNotIn(fake.encode(), result.stdout + result.stderr)

    def test_login_on_a_terminal_and_the_status_line(self):
        # Vendor answers take 300 ms: the status line is drawn several times.
        job = write_job(tempfile.mkdtemp(dir=self.tmp.name), {"blocks": [
            {"text": f"Block {i} drawn on a terminal.", "provider": "openai", "cache": False}
            for i in range(3)]})
        env = {k: v for k, v in self.cli.env.items() if k != "POLYVOX_TOKEN"}
        self.mocks["openai"].delay_s = 0.3
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal and its stdio
            os.execve(BINARY, [BINARY, "submit", job, "--follow"], env)
        screen = b""

        def read_until(pattern, timeout=60):
            nonlocal screen
            deadline = time.monotonic() + timeout
            while not re.search(pattern, screen):
                ready, _, _ = select.select([fd], [], [], max(0, deadline - time.monotonic()))
                if not ready:
                    raise AssertionError(f"no {pattern!r} on the terminal: {screen!r}")
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the child is gone
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"no {pattern!r} before the end: {screen!r}")
                screen += chunk

        try:
            read_until(rb"User name: ")
            os.write(fd, b"admin\n")
            read_until(rb"Password: ")
            os.write(fd, ADMIN_PASSWORD.encode() + b"\n")
            read_until(rb"3/3 done")
            _, status = os.waitpid(pid, 0)
            try:
                while True:
                    chunk = os.read(fd, 4096)
                    if not chunk:
                        break
                    screen += chunk
            except OSError:
                pass
        finally:
            os.close(fd)
            self.mocks["openai"].delay_s = 0.0
        self.cli.outputs.append(screen)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, screen)
        self.assertIn(b"admin", screen)  # the user name is echoed...
        self.assertNotIn(ADMIN_PASSWORD.encode(), screen)  # ...the password is not
        # On a terminal, one status line redrawn in place: "\r", the line, erase to its end.
        drawn = re.findall(rb"\r(\d/3 done[^\r\n]*)\x1b\[K", screen)
        self.assertGreater(len(drawn), 3, screen)
        self.assertIn(b"1/3 done", b"".join(drawn))
        self.assertRegex(drawn[-1], rb"^3/3 done \xe2\x80\x94 job completed: [\d.]+ s of audio$")
        self.assertNotIn(b"[1/3]", screen)  # no event lines


class ReconnectTest(unittest.TestCase):
    """The server is killed while the CLI follows a job and started again on the same data
    directory and port: the job completes after the restart (embedded mode takes its tasks
    back) and the CLI, reconnecting with Last-Event-ID, sees it through."""

    def test_follow_survives_a_server_restart(self):
        with tempfile.TemporaryDirectory() as data_dir, mock_vendors.OpenAiMock() as openai:
            port = mock_vendors.free_port()
            env = dict(mock_vendors.provider_env({"openai": openai}), PORT=port,
                       WORKER_CONCURRENCY=1, TASK_MAX_RETRIES=3)
            server = Server(BINARY, data_dir=data_dir, **env).start()
            token = server.login()
            openai.delay_s = 0.4  # each block takes 400 ms: the job ~2.4 s
            out = os.path.join(data_dir, "out.mp3")
            job = write_job(data_dir, {"blocks": [
                {"text": f"Block {i} of the job that outlives its server.",
                 "provider": "openai", "cache": False} for i in range(6)]})
            cli = Cli(f"http://127.0.0.1:{port}", token)
            proc = subprocess.Popen([BINARY, "submit", job, "--follow", "-o", out],
                                    env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            lines = []
            first_done = threading.Event()

            def read_stderr():
                for line in proc.stderr:
                    lines.append(line.decode())
                    if " done: " in lines[-1]:
                        first_done.set()

            reader = threading.Thread(target=read_stderr, daemon=True)
            reader.start()
            restarted = None
            try:
                self.assertTrue(first_done.wait(60), "".join(lines))
                server.kill()
                restarted = Server(BINARY, data_dir=data_dir, **env).start()
                proc.wait(timeout=120)
                reader.join(10)
                stdout = proc.stdout.read()
                proc.stdout.close()
                proc.stderr.close()
                stderr = "".join(lines)
                self.assertEqual(proc.returncode, 0, stderr)
                job_id = stdout.decode().strip()
                status = restarted.wait_for(token, job_id)
                self.assertEqual(status["status"], "completed")
                res = restarted.request("GET", f"/result/{job_id}/audio", token=token)
                with open(out, "rb") as f:
                    self.assertEqual(f.read(), res.body)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                if restarted:
                    restarted.close()
                server.close()
        self.assertIn("connection lost", stderr)
        # Resumed with Last-Event-ID: the server replayed what was missed instead of opening
        # with a new snapshot, so the job's opening line appears once.
        self.assertEqual(len([l for l in lines if l.startswith("[") and f"job {job_id} " in l]),
                         1, stderr)
        for index in range(6):
            done = [l for l in lines if re.search(rf"\] block {index} \(openai[^)]*\) done: ", l)]
            self.assertEqual(len(done), 1, stderr)
        self.assertTrue(lines[-1].startswith("[6/6] job completed"), stderr)
        self.assertNotIn(token, stderr + stdout.decode())


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
