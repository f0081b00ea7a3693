"""Memory benchmark (a section of bench/run.py, `memory`): resident memory (RSS) of `polyvox serve`
(embedded mode: API + workers on SQLite) and of `polyvox worker` (distributed mode, with its API
node, on a real Redis) while they render two jobs with local English voices (espeak-ng and
flite, no vendor): 1,000 short blocks, then 60 long ones. For each process: idle (started and
logged in, before any job), the peak while a job runs (sampled every 20 ms from /proc) and after
the job (once it is done and the process has been idle for a moment).
Targets (issue 14): serve <= 60 MB at its peak, back within 10 MB of idle after the job.

Environment: BENCH_MEMORY_SHORT_BLOCKS (default 1000), BENCH_MEMORY_LONG_BLOCKS (60),
BENCH_MEMORY_LONG_CHARS (characters per long block, default 1200; a number of blocks of 0 leaves
that job out), BENCH_MEMORY_PROFILE (the jobs' delivery profile, e.g. audiobook; default none
given: the server's loudness), BENCH_MEMORY_MODES
("embedded distributed"), BENCH_MEMORY_ENV (extra variables for the polyvox processes,
"NAME=value ..."; to compare allocator settings).
"""
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from api_bench import rss_mb  # noqa: E402
from polyvox_server import Server  # noqa: E402
from redis_cluster import Cluster  # noqa: E402

SHORT_BLOCKS = int(os.environ.get("BENCH_MEMORY_SHORT_BLOCKS", "1000"))
LONG_BLOCKS = int(os.environ.get("BENCH_MEMORY_LONG_BLOCKS", "60"))
LONG_CHARS = int(os.environ.get("BENCH_MEMORY_LONG_CHARS", "1200"))
MODES = os.environ.get("BENCH_MEMORY_MODES", "embedded distributed").split()
PROFILE = os.environ.get("BENCH_MEMORY_PROFILE", "")
EXTRA_ENV = dict(kv.split("=", 1) for kv in os.environ.get("BENCH_MEMORY_ENV", "").split())
SETTLE_S = 2.0  # idle time before the "after" figure
SAMPLE_S = 0.02
SERVE_PEAK_TARGET_MB = 60
RETURN_TARGET_MB = 10

SENTENCES = ["The quick brown fox jumps over the lazy dog.",
             "Polyvox renders many blocks into one file, each with its own voice.",
             "Pauses are digital silence, and every block has the same loudness.",
             "A long chapter is read in one go, sentence after sentence."]


def with_profile(job):
    if PROFILE:
        job["profile"] = PROFILE
    return job


def short_job():
    return with_profile({"blocks": [{"text": f"Block number {i}.", "provider":
                                     "espeak" if i % 2 else "flite", "wait_after_ms": 100}
                                    for i in range(SHORT_BLOCKS)]})


def long_job():
    text = ""
    while len(text) < LONG_CHARS:
        text += SENTENCES[len(text) % len(SENTENCES)] + " "
    return with_profile({"blocks": [{"text": f"Chapter {i}. " + text.strip(), "provider":
                                     "espeak" if i % 2 else "flite", "wait_after_ms": 500}
                                    for i in range(LONG_BLOCKS)]})


class Sampler:
    """Peak RSS of each process while a job runs."""

    def __init__(self, pids):
        self.pids = pids
        self.peaks = {name: 0.0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peaks[name] = max(self.peaks[name], rss_mb(pid))
            self._stop.wait(SAMPLE_S)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(api, pids, token, jobs):
    """Prints idle, peak and after figures of `pids` (name -> pid) for each job in turn."""
    time.sleep(SETTLE_S)
    idle = {name: rss_mb(pid) for name, pid in pids.items()}
    rows = []
    for label, job in jobs:
        started = time.perf_counter()
        with Sampler(pids) as sampler:
            job_id = api.submit(token, job)
            status = api.wait_for(token, job_id, timeout=3600)
        elapsed = time.perf_counter() - started
        if status["status"] != "completed":
            sys.exit(f"memory benchmark: the {label} job {status['status']}: {status.get('error')}")
        time.sleep(SETTLE_S)
        for name, pid in pids.items():
            row = (name, label, elapsed, idle[name], sampler.peaks[name], rss_mb(pid))
            rows.append(row)
            print_row(*row)
    return rows


def print_row(name, label, elapsed, idle_mb, peak, after_mb):
    print(f"{name:<16} {label:<28} {elapsed:7.1f} s  idle {idle_mb:6.1f} MB  peak {peak:6.1f} MB  "
          f"after {after_mb:6.1f} MB  (after - idle {after_mb - idle_mb:+.1f})", flush=True)


def run(build):
    binary = os.path.join(build, "polyvox")
    # A size of 0 leaves that job out (a job has at least one block).
    jobs = [(f"{SHORT_BLOCKS} short blocks", short_job())] if SHORT_BLOCKS > 0 else []
    if LONG_BLOCKS > 0:
        jobs.append((f"{LONG_BLOCKS} blocks of {LONG_CHARS} chars", long_job()))
    print(f"\n== Memory: RSS of serve and worker (local voices; profile {PROFILE or 'none'}; "
          f"extra env {EXTRA_ENV or 'none'}) ==")
    # A token that outlives a long job on a busy machine.
    env = dict(EXTRA_ENV, LOG_LEVEL="warning", ACCESS_TOKEN_EXPIRE_MINUTES="600")
    if "embedded" in MODES:
        server = Server(binary, **env).start()
        try:
            rows = measure(server, {"serve (embedded)": server.process.pid}, server.login(), jobs)
        finally:
            server.close()
        for _, label, _, idle, peak, after in rows:
            verdict = "ok" if peak <= SERVE_PEAK_TARGET_MB and after - idle <= RETURN_TARGET_MB \
                else "OVER"
            print(f"serve target (peak <= {SERVE_PEAK_TARGET_MB} MB, after within "
                  f"{RETURN_TARGET_MB} MB of idle), {label}: {verdict}")
    if "distributed" in MODES:
        cluster = Cluster(binary, apis=1, workers=1, **env)
        try:
            api = cluster.apis[0]
            measure(api, {"serve (API node)": api.process.pid,
                          "worker": cluster.workers[0].process.pid}, api.login(), jobs)
        finally:
            cluster.close()
