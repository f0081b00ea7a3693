"""Provider fan-out benchmark (a section of bench/run.py): a 100-block job against a mock
OpenAI-compatible vendor answering in 200 ms, 32 blocks at once. The bound is what perfect
concurrency allows: ceil(100/32) x 200 ms, plus the CPU time the job used divided by the cores
(both measured in the same run)."""
import math
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import Server  # noqa: E402

BLOCKS = 100
CONCURRENCY = 32
DELAY_S = 0.2
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(build_dir):
    print(f"\n== Providers: {BLOCKS}-block job, mock vendor answering in {DELAY_S * 1000:.0f} ms, "
          f"concurrency {CONCURRENCY} ==")
    mock = mock_vendors.OpenAiMock().start()
    mock.delay_s = DELAY_S
    config = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    config.write(f"[providers.openai]\nmax_concurrency = {CONCURRENCY}\n")
    config.close()
    server = Server(os.path.join(build_dir, "polyvox"), OPENAI_BASE_URL=mock.url,
                    OPENAI_API_KEY=mock.key, POLYVOX_CONFIG=config.name,
                    WORKER_CONCURRENCY=CONCURRENCY, CACHE_ENABLED="false",
                    LOG_LEVEL="warning").start()
    cores = os.cpu_count()
    ideal = math.ceil(BLOCKS / CONCURRENCY) * DELAY_S
    ratios, walls, bounds = [], [], []
    try:
        token = server.login()
        for run_index in range(RUNS):
            job = {"blocks": [{"text": f"Run {run_index}, block number {i} of the benchmark.",
                               "provider": "openai", "voice": "alloy", "wait_after_ms": 100}
                              for i in range(BLOCKS)]}
            cpu_before = cpu_seconds(server.process.pid)
            started = time.perf_counter()
            job_id = server.submit(token, job)
            while True:
                status = server.request("GET", f"/status/{job_id}", token=token).json()
                if status["status"] in ("completed", "failed"):
                    break
                time.sleep(0.005)
            wall = time.perf_counter() - started
            assert status["status"] == "completed", status
            cpu = cpu_seconds(server.process.pid) - cpu_before
            bound = ideal + cpu / cores
            walls.append(wall)
            bounds.append(bound)
            ratios.append(wall / bound)
    finally:
        server.close()
        mock.stop()
        os.unlink(config.name)
    print(f"wall time             median {statistics.median(walls):6.2f} s")
    print(f"bound                 median {statistics.median(bounds):6.2f} s "
          f"(= {ideal:.2f} s of vendor time at full concurrency + CPU / {cores} cores)")
    print(f"wall / bound          median {statistics.median(ratios):6.2f} (target <= 1.15)")
