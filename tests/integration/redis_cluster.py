"""Test harness for distributed mode: a real redis-server (AOF) on a free loopback port, API nodes
(`polyvox serve` with REDIS_URL) and worker nodes (`polyvox worker`) sharing a data directory,
as the seed's docker-compose topology runs them, but as processes on this machine."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile

from polyvox_server import Server, poll_until


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

        def answers_ping():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(64).startswith(b"+PONG")  # not -LOADING: the AOF is read
            except OSError:
                return False

        poll_until(answers_ping, 10, "redis-server did not start", interval=0.01)
        return self

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
    """`polyvox worker`, its output in a file (a pipe nobody reads would fill up)."""

    def __init__(self, binary, env, data_dir):
        self.log = tempfile.TemporaryFile(mode="w+")
        self._read_to = 0  # count_new(): bytes of whole lines already counted
        self.process = subprocess.Popen([binary, "worker"], env=env, cwd=data_dir,
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def send(self, sig):
        if self.process.poll() is None:
            self.process.send_signal(sig)

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def output(self):
        if self.log.closed:
            return ""
        # pread, not seek + read: the child writes through the same open file description, so
        # moving its offset would make the child overwrite the start of its own log.
        fd = self.log.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def count_new(self, *needles):
        """How often each of `needles` (bytes, no newline) occurs in the lines written since the
        last call: reads only the new bytes, for a poller that must stay cheap as the log grows."""
        fd = self.log.fileno()
        chunk = os.pread(fd, os.fstat(fd).st_size - self._read_to, self._read_to)
        whole = chunk[:chunk.rfind(b"\n") + 1]  # a line being written is counted next time
        self._read_to += len(whole)
        return [whole.count(needle) for needle in needles]

    def events(self):
        events = []
        for line in self.output().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        return events


class Cluster:
    """API nodes and workers on one Redis and one shared data directory."""

    def __init__(self, binary, apis=2, workers=2, **env):
        self.binary = binary
        self.redis = RedisProcess().start()
        self.data = tempfile.TemporaryDirectory()
        self.env = {"REDIS_URL": self.redis.url, "REDIS_KEY_PREFIX": "it:",
                    "TASK_LEASE_SECONDS": "3", "WORKER_CONCURRENCY": "2"}
        self.env.update({k: str(v) for k, v in env.items()})
        self.apis = [Server(binary, data_dir=self.data.name, **self.env).start()
                     for _ in range(apis)]
        self.workers = []  # every worker ever started, dead or alive
        for _ in range(workers):
            self.add_worker()

    def add_worker(self):
        worker = WorkerProcess(self.binary, self.apis[0].env, self.data.name)
        self.workers.append(worker)
        return worker

    def worker_events(self, msg):
        return [e for w in self.workers for e in w.events() if e.get("msg") == msg]

    def close(self):
        codes = [w.stop() for w in self.workers]
        for worker in self.workers:
            worker.log.close()
        for api in self.apis:
            api.stop()
        self.redis.close()
        self.data.cleanup()
        return codes
