"""OpenAI-compatible endpoint benchmark (a section of bench/run.py): POST /v1/audio/speech with a
10-sentence input on `polyvox serve` (embedded mode), every sentence spoken by the OpenAI mock
vendor answering in 200 ms. Side by side in the same runs: the streamed request's time to its
first audio byte (stream_format "audio") against the first sentence's own latency (submission to
its block.done, from the job's events), and the non-streamed request's time to its whole file.
Every run speaks new text (no audio cache hit). Medians of BENCH_RUNS (5)."""
import http.client
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import Server  # noqa: E402
from live_bench import first_block_done  # noqa: E402

VENDOR_DELAY_S = 0.2
SENTENCES = 10
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def speech(server, token, run, stream):
    """(seconds to the first body byte, seconds to the last, job id)."""
    text = " ".join(f"Run {run} {'streamed' if stream else 'whole'} sentence {i} of ten."
                    for i in range(SENTENCES))
    body = {"model": "openai", "voice": "alloy", "input": text}
    if stream:
        body["stream_format"] = "audio"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    started = time.time()
    conn.request("POST", "/v1/audio/speech", json.dumps(body),
                 {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    res = conn.getresponse()
    if res.status != 200:
        sys.exit(f"openai bench: {res.status} {res.read()[:300]!r}")
    res.read1(1)
    first = time.time() - started
    res.read()
    last = time.time() - started
    conn.close()
    return started, first, last, res.getheader("X-Polyvox-Job-Id")


def run(build_dir):
    print(f"\n== OpenAI-compatible /v1/audio/speech: {SENTENCES} sentences, vendor at "
          f"{int(VENDOR_DELAY_S * 1000)} ms ==")
    mocks = mock_vendors.make_all()
    mocks["openai"].delay_s = VENDOR_DELAY_S
    server = Server(os.path.join(build_dir, "polyvox"), LOG_LEVEL="warning",
                    WORKER_CONCURRENCY="4", **mock_vendors.provider_env(mocks)).start()
    try:
        token = server.login()
        speech(server, token, "warm-up", True)
        firsts, blocks, streamed_total, whole = [], [], [], []
        for r in range(RUNS):
            started, first, last, job_id = speech(server, token, r, True)
            firsts.append(first)
            streamed_total.append(last)
            blocks.append(first_block_done(server, token, job_id) - started)
            _, _, last_whole, _ = speech(server, token, r, False)
            whole.append(last_whole)
        f = statistics.median(firsts) * 1000
        b = statistics.median(blocks) * 1000
        print(f"streamed: first audio byte {f:.0f} ms after the request; first sentence done "
              f"{b:.0f} ms after it; first byte - first sentence {f - b:+.0f} ms "
              f"(target <= +100); whole stream {statistics.median(streamed_total) * 1000:.0f} ms")
        print(f"not streamed: the whole file after {statistics.median(whole) * 1000:.0f} ms "
              f"(first byte {statistics.median(whole) / statistics.median(firsts):.1f}x later "
              f"than streamed); medians of {RUNS}")
    finally:
        server.close()
        for mock in mocks.values():
            mock.stop()
