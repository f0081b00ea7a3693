#!/usr/bin/env python3
"""GET /result/{id}/stream against a real `polyvox serve` and the in-repo mock vendors: the
combined audio arrives while the job renders (its first bytes right after the first block, well
before the job ends), decodes cleanly in MP3, WAV, FLAC, Opus and M4A and matches the final file
(WAV, FLAC and Opus exactly; MP3 exactly but for the stated tail of at most 1198 samples at the
end; M4A, fragmented, within a frame), works after completion too,
and a job that fails mid-way ends its stream with valid, shorter audio."""
import http.client
import os
import signal
import socket
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
from polyvox_server import Server, poll_until  # noqa: E402

BINARY = None
MOCKS = None
MP3_TAIL_MAX = 1198  # samples: the last segment's encoder padding the stream cannot declare


def setUpModule():
    global MOCKS
    MOCKS = mock_vendors.make_all()


def tearDownModule():
    for mock in MOCKS.values():
        mock.stop()


def pcm(data, suffix):
    """Decoded mono s16 samples (as bytes) and ffmpeg's complaints."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffmpeg", "-v", "error", "-i", f.name, "-f", "s16le", "-ac", "1",
                              "-"], capture_output=True)
    return out.stdout, out.stderr.decode()


class StreamReader:
    """Reads a streamed response on a thread, noting when each chunk arrived."""

    def __init__(self, port, path, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        self.response = self.conn.getresponse()
        self.chunks = []  # (monotonic time, bytes)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                data = self.response.read1(65536)
                if not data:
                    break
                self.chunks.append((time.monotonic(), data))
        finally:
            self.done.set()

    def body(self, timeout=120):
        if not self.done.wait(timeout):
            raise AssertionError("stream did not end")
        self.conn.close()
        return b"".join(c for _, c in self.chunks)


class StreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env = dict(mock_vendors.provider_env(MOCKS), TASK_MAX_RETRIES=0, WORKER_CONCURRENCY=2)
        cls.server = Server(BINARY, **env).start()
        cls.token = cls.server.login()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        for mock in MOCKS.values():
            mock.reset()

    def job(self, blocks, fmt="mp3"):
        return {"output_format": fmt, "blocks": [
            {"text": f"Streamed block number {i}.", "provider": "openai", "cache": False,
             "wait_after_ms": 100} for i in range(blocks)]}

    def check_matches_final(self, job_id, streamed, fmt):
        final = self.server.request("GET", f"/result/{job_id}/audio", token=self.token)
        self.assertEqual(final.status, 200)
        stream_pcm, stream_errors = pcm(streamed, "." + fmt)
        final_pcm, _ = pcm(final.body, "." + fmt)
        if fmt in ("mp3", "flac", "opus"):
            self.assertEqual(stream_errors, "")
        if fmt == "m4a":  # fragmented MP4 of the same AAC frames, priming first (formats_test.py)
            self.assertEqual(stream_pcm[2048:len(final_pcm) + 2048], final_pcm)
            return
        self.assertEqual(stream_pcm[:len(final_pcm)], final_pcm)
        tail = (len(stream_pcm) - len(final_pcm)) // 2
        if fmt != "mp3":  # the same samples: WAV's, FLAC's, and the same Opus packets
            self.assertEqual(tail, 0)
        else:
            self.assertGreaterEqual(tail, 0)
            self.assertLessEqual(tail, MP3_TAIL_MAX)

    def test_audio_arrives_while_the_job_renders_and_matches_the_final_file(self):
        mime = {"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac",
                "opus": "audio/ogg", "m4a": "audio/mp4"}
        for fmt in mime:
            with self.subTest(fmt=fmt):
                for mock in MOCKS.values():
                    mock.reset()
                MOCKS["openai"].delay_s = 0.4  # every vendor answer takes 400 ms
                job_id = self.server.submit(self.token, self.job(6, fmt))
                reader = StreamReader(self.server.port, f"/result/{job_id}/stream", self.token)
                self.assertEqual(reader.response.status, 200)
                self.assertEqual(reader.response.getheader("Content-Type"), mime[fmt])
                streamed = reader.body()
                MOCKS["openai"].delay_s = 0.0
                status = self.server.wait_for(self.token, job_id)
                self.assertEqual(status["status"], "completed", status)
                # Bytes came in several pieces, the first well before the last.
                self.assertGreater(len(reader.chunks), 1)
                self.assertGreater(reader.chunks[-1][0] - reader.chunks[0][0], 0.4)
                self.check_matches_final(job_id, streamed, fmt)

    def test_a_completed_job_streams_too(self):
        job_id = self.server.submit(self.token, self.job(3))
        self.assertEqual(self.server.wait_for(self.token, job_id)["status"], "completed")
        res = self.server.request("GET", f"/result/{job_id}/stream", token=self.token)
        self.assertEqual(res.status, 200)
        self.check_matches_final(job_id, res.body, "mp3")

    def test_a_job_failing_midway_ends_its_stream_with_valid_audio(self):
        # Blocks 0 and 1 speak; block 2 is refused for good (no retries): the job fails.
        job = {"blocks": [
            {"text": "First block speaks.", "provider": "openai", "cache": False},
            {"text": "Second block speaks.", "provider": "espeak"},
            {"text": "Third block is refused.", "provider": "elevenlabs", "cache": False}]}
        MOCKS["elevenlabs"].fail_next("quota", count=1)
        MOCKS["elevenlabs"].delay_s = 1.0  # the refusal comes after the other blocks are done
        try:
            job_id = self.server.submit(self.token, job)
            res = self.server.request("GET", f"/result/{job_id}/stream", token=self.token)
        finally:
            MOCKS["elevenlabs"].delay_s = 0.0
        self.assertEqual(res.status, 200)
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "failed")
        self.assertEqual([b["status"] for b in status["blocks"]], ["done", "done", "failed"])
        samples, errors = pcm(res.body, ".mp3")
        self.assertEqual(errors, "")
        self.assertGreater(len(samples), 0)

    def test_another_user_cannot_stream(self):
        job_id = self.server.submit(self.token, self.job(1))
        self.server.users("add", "streamer", stdin="streamer-pass\nstreamer-pass\n")
        other = self.server.login("streamer", "streamer-pass")
        res = self.server.request("GET", f"/result/{job_id}/stream", token=other)
        self.assertIn(res.status, (403, 404))
        self.assertEqual(res.status,
                         self.server.request("GET", f"/status/{job_id}", token=other).status)


class DisconnectTest(unittest.TestCase):
    def open_stream(self, server, path, token):
        """A connection kept open whose answer to `path` has sent its head (200), tried again
        while the client's slots are still taken by connections just closed (503)."""
        def opened():
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            sock.sendall((f"GET {path} HTTP/1.1\r\nHost: t\r\n"
                          f"Authorization: Bearer {token}\r\n\r\n").encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
            if b" 200 " in head.split(b"\r\n", 1)[0]:
                return sock
            sock.close()  # 503: the slot of a connection just closed is not given back yet
            return None

        return poll_until(opened, 10, "the stream never opened")

    def test_a_client_that_leaves_a_quiet_stream_frees_its_connection(self):
        # The stream of a job still queued has nothing to write, and no heartbeat: a client that
        # left was noticed only at the next piece of audio (or an hour), its slot held meanwhile.
        server = Server(BINARY, WORKER_CONCURRENCY=0, MAX_CONNECTIONS_PER_CLIENT=2,
                        HTTP_IDLE_TIMEOUT_MS=60000).start()
        try:
            token = server.login()
            job_id = server.submit(token, {"blocks": [{"text": "Waits in the queue."}]})
            # The client's two slots: the stream and a connection held open (each request
            # before has closed its own, given back once the server sees the close).
            held = self.open_stream(server, "/health", token)
            sock = self.open_stream(server, f"/result/{job_id}/stream", token)
            extra = server.request("GET", "/health")
            self.assertEqual(extra.status, 503, "the stream does not hold the client's slot")
            sock.close()
            server.wait_healthy(10)  # the slot is given back once the server sees the close
            held.close()
        finally:
            server.close()


class ShutdownTest(unittest.TestCase):
    def test_sigterm_with_100_open_streams_exits_within_the_drain(self):
        env = dict(mock_vendors.provider_env(MOCKS), SHUTDOWN_DRAIN_SECONDS=2,
                   WORKER_CONCURRENCY=1)
        server = Server(BINARY, **env).start()
        try:
            token = server.login()
            # A job that stays unfinished (its vendor hangs 8 s): its audio stream stays open too.
            MOCKS["openai"].fail_next("hang", count=1, seconds=8)
            job_id = server.submit(token, {"blocks": [
                {"text": "Hangs.", "provider": "openai", "cache": False}]})
            sockets = []
            for i in range(100):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
                path = "/events" if i % 2 else f"/result/{job_id}/stream"
                sock.sendall((f"GET {path} HTTP/1.1\r\nHost: t\r\n"
                              f"Authorization: Bearer {token}\r\n\r\n").encode())
                sockets.append((path, sock))
            for _, sock in sockets:  # every stream has its head: all 100 are open
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = sock.recv(4096)
                    self.assertTrue(chunk, "stream closed before its head")
                    head += chunk
                self.assertIn(b" 200 ", head.split(b"\r\n", 1)[0])
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(30)
            elapsed = time.monotonic() - started
            # Streams end within the drain (2 s); the process then waits for the worker's call in
            # progress (the vendor hangs 8 s). Without the drain an open stream would hold it
            # forever.
            self.assertLess(elapsed, 15)
            for path, sock in sockets:
                rest = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
                sock.close()
                if path == "/events":
                    self.assertIn(b"retry: 1000", rest)  # told to reconnect elsewhere
        finally:
            MOCKS["openai"].reset()
            server.close()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
