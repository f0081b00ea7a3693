"""Distributed-mode benchmark (a section of bench/run.py): one Redis (AOF), one API node and 1, 2
or 4 worker nodes (`polyvox worker`, WORKER_CONCURRENCY=8 each), 200 jobs x 10 blocks against a
mock vendor answering in 200 ms. Prints throughput and its scaling, Redis round trips per block,
and the p99 time from a job's last block done to its result available."""
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import mock_vendors  # noqa: E402
from providers_bench import cpu_seconds  # noqa: E402
from redis_cluster import Cluster  # noqa: E402

JOBS = int(os.environ.get("BENCH_DISTRIBUTED_JOBS", "200"))
BLOCKS = 10
PER_WORKER = 8
DELAY_S = 0.2


def ts(event):
    return datetime.datetime.strptime(event["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def cpu_jiffies():
    """(busy, total) jiffies of the whole machine so far (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def run_once(binary, mock, config, workers, tag, monitor=False):
    cluster = Cluster(binary, apis=1, workers=workers, WORKER_CONCURRENCY=PER_WORKER,
                      OPENAI_BASE_URL=mock.url, OPENAI_API_KEY=mock.key, POLYVOX_CONFIG=config,
                      CACHE_ENABLED="false", LOG_LEVEL="debug", TASK_LEASE_SECONDS="60",
                      SECRET_KEY="bench-secret-key-0123456789abcdef-0123456789")
    monitor_log = tempfile.TemporaryFile()
    monitor_proc = None
    try:
        api = cluster.apis[0]
        token = api.login()
        if monitor:
            monitor_proc = subprocess.Popen(["redis-cli", "-p", str(cluster.redis.port),
                                             "monitor"], stdout=monitor_log)
            time.sleep(0.5)  # MONITOR attaches before the first command we count
        started = time.perf_counter()
        busy0, total0 = cpu_jiffies()
        ids = [api.submit(token, {"blocks": [
            {"text": f"{tag} job {j} block {b}.", "provider": "openai", "wait_after_ms": 50}
            for b in range(BLOCKS)]}) for j in range(JOBS)]
        submitted = time.perf_counter() - started
        # Wait on the workers' logs, not by polling the API: no Redis traffic of ours. A failed
        # job ends the run with its error (a benchmark of failures measures nothing).
        # New bytes only and substring counts, not JSON parsing: this process also runs the mock
        # vendor, whose threads must not wait for the GIL behind the poller.
        completed = 0
        while completed < JOBS:
            for w in cluster.workers:
                done, failed = w.count_new(b'"msg":"job completed"', b'"msg":"task failed"')
                completed += done
                if failed:
                    raise RuntimeError(f"a job failed: {cluster.worker_events('task failed')[0]}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        busy1, total1 = cpu_jiffies()
        busy = (busy1 - busy0) / max(1, total1 - total0)
        if monitor_proc:
            monitor_proc.terminate()
            monitor_proc.wait()
        worker_cpu_s = sum(cpu_seconds(w.process.pid) for w in cluster.workers)
        events = [e for w in cluster.workers for e in w.events()]
        last_block = {}
        for e in events:
            if e.get("msg") == "block done":
                last_block[e["job_id"]] = max(last_block.get(e["job_id"], 0), ts(e))
        delays = sorted(ts(e) - last_block[e["job_id"]] for e in events
                        if e.get("msg") == "job completed" and e["job_id"] in last_block)
        round_trips = None
        if monitor:
            monitor_log.seek(0)
            lines = monitor_log.read().decode(errors="replace").splitlines()
            round_trips = sum(1 for line in lines if "[0 lua]" not in line and '"' in line)
        assert len(ids) == JOBS
        print(f"  ({workers} worker(s): {JOBS} jobs submitted in {submitted:.2f} s)")
        return elapsed, delays, round_trips, busy, worker_cpu_s
    finally:
        monitor_log.close()
        cluster.close()


def run(build_dir):
    print(f"\n== Distributed mode: {JOBS} jobs x {BLOCKS} blocks, mock vendor at "
          f"{DELAY_S * 1000:.0f} ms, {PER_WORKER} blocks at once per worker ==")
    binary = os.path.join(build_dir, "polyvox")
    mock = mock_vendors.OpenAiMock().start()
    mock.delay_s = DELAY_S
    config = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    config.write("[providers.openai]\nmax_concurrency = 64\n")
    config.close()
    try:
        results = {}
        for workers in (1, 2, 4):
            elapsed, delays, _, busy, worker_cpu_s = run_once(binary, mock, config.name, workers,
                                                f"w{workers}")
            results[workers] = (elapsed, delays)
            rate = JOBS * BLOCKS / elapsed
            ideal = workers * PER_WORKER / DELAY_S
            p99 = delays[int(0.99 * (len(delays) - 1))] * 1000 if delays else float("nan")
            print(f"{workers} worker(s): {elapsed:6.2f} s  {rate:7.1f} blocks/s "
                  f"({rate / ideal:.0%} of the vendor-bound {ideal:.0f}/s)  "
                  f"last block -> result: median {statistics.median(delays) * 1000:.0f} ms, "
                  f"p99 {p99:.0f} ms; machine CPU {busy:.0%} busy, workers "
                  f"{worker_cpu_s / (JOBS * BLOCKS) * 1000:.1f} ms CPU per block")
        base = JOBS * BLOCKS / results[1][0]
        for workers in (2, 4):
            rate = JOBS * BLOCKS / results[workers][0]
            print(f"scaling 1 -> {workers} workers: {rate / base:.2f}x "
                  f"({rate / base / workers:.0%} of linear; target within 10%)")
        _, _, round_trips, _, _ = run_once(binary, mock, config.name, 1, "rt", monitor=True)
        print(f"Redis round trips (MONITOR, client commands incl. create_job): "
              f"{round_trips / (JOBS * BLOCKS):.1f} per block")
    finally:
        mock.stop()
        os.unlink(config.name)
