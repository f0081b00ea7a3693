"""Live jobs benchmark (a section of bench/run.py): 1,000 server-sent-event clients on one
`polyvox serve` (embedded mode) following all of a user's jobs while jobs render through a mock
vendor answering in 200 ms: the server's RSS with the clients connected, and how late events
reach the clients (client receive time minus the event's at_ms, when the store recorded the
change), p50/p99 over every block.done every client got. Then time to the first byte of
GET /result/{id}/stream against the first block's own latency (submission to its block.done),
side by side in the same runs, median of 5."""
import asyncio
import json
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import Server  # noqa: E402
from api_bench import rss_mb  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_LIVE_CLIENTS", "1000"))
VENDOR_DELAY_S = 0.2


async def sse_client(port, path, token, ready, stop, latencies, counts):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write((f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
                  f"Authorization: Bearer {token}\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.decode(errors="replace"))
    ready()
    # Only stamp complete frames while reading (cheap); parse them after the run, so that the
    # client's own work does not pass for the server's delay.
    pending = b""
    frames = []
    try:
        while not stop.is_set():
            chunk = await reader.read(65536)
            if not chunk:
                break
            now_ms = time.time() * 1000.0
            pending += chunk
            end = pending.rfind(b"\n\n")
            if end >= 0:
                if b"block.done" in pending[:end]:
                    frames.append((now_ms, pending[:end]))
                    counts[0] += pending.count(b"event: block.done", 0, end)
                pending = pending[end + 2:]
    finally:
        writer.close()
        for now_ms, text in frames:
            for line in text.split(b"\n"):
                if line.startswith(b"data: ") and b'"speech_ms"' in line:
                    latencies.append(now_ms - json.loads(line[6:])["at_ms"])


def probe(port, token, stop, results):
    """One more follower in a process of its own, reading with a blocking socket: how late events
    reach a client that is not itself starved of CPU by the other 1,000 (all in one asyncio
    loop, on the same two cores)."""
    import socket
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(0.2)
    sock.sendall((f"GET /events HTTP/1.1\r\nHost: probe\r\n"
                  f"Authorization: Bearer {token}\r\n\r\n").encode())
    pending, latencies = b"", []
    while not stop.is_set():
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        now_ms = time.time() * 1000.0
        pending += chunk
        end = pending.rfind(b"\n\n")
        if end < 0:
            continue
        for line in pending[:end].split(b"\n"):
            if line.startswith(b"data: ") and b'"speech_ms"' in line:
                latencies.append(now_ms - json.loads(line[6:])["at_ms"])
        pending = pending[end + 2:]
    sock.close()
    results.put(latencies)


async def follow_many(server, token, submit_jobs):
    stop = asyncio.Event()
    latencies, counts, connected = [], [0], [0]
    all_ready = asyncio.Event()

    def ready():
        connected[0] += 1
        if connected[0] == CLIENTS:
            all_ready.set()

    tasks = [asyncio.create_task(sse_client(server.port, "/events", token, ready, stop, latencies,
                                            counts)) for _ in range(CLIENTS)]
    await asyncio.wait_for(all_ready.wait(), 120)
    import multiprocessing
    probe_stop, probe_results = multiprocessing.Event(), multiprocessing.Queue()
    prober = multiprocessing.Process(target=probe,
                                     args=(server.port, token, probe_stop, probe_results))
    prober.start()
    await asyncio.sleep(0.5)  # the probe connects (its snapshot frames are not counted)
    rss_connected = rss_mb(server.process.pid)
    expected = await asyncio.get_running_loop().run_in_executor(None, submit_jobs)
    deadline = time.monotonic() + 120
    while counts[0] < expected * CLIENTS and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    rss_after = rss_mb(server.process.pid)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    probe_stop.set()
    probed = probe_results.get(timeout=30)
    prober.join()
    return latencies, counts[0], expected * CLIENTS, rss_connected, rss_after, probed


def first_byte(server, token, blocks=5):
    """Seconds from submission to the stream's first byte, and to the first block's done."""
    import http.client
    job = {"blocks": [{"text": f"First byte block {i}.", "provider": "openai", "cache": False}
                      for i in range(blocks)]}
    started = time.time()
    job_id = server.submit(token, job)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", f"/result/{job_id}/stream", headers={"Authorization": "Bearer " + token})
    res = conn.getresponse()
    res.read1(1)
    first = time.time() - started
    res.read()
    conn.close()
    return first, first_block_done(server, token, job_id) - started


def first_block_done(server, token, job_id):
    """When block 0 of the job was done (its block.done's at_ms), in seconds since the epoch."""
    events = server.request("GET", f"/jobs/{job_id}/events", token=token,
                            headers={"Last-Event-ID": "0"}).body.decode()
    name = None
    for line in events.splitlines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and name == "block.done":
            data = json.loads(line[6:])
            if data["index"] == 0:
                return data["at_ms"] / 1000.0
    return float("nan")


def run(build_dir):
    print(f"\n== Live jobs: {CLIENTS} SSE clients, vendor at {int(VENDOR_DELAY_S * 1000)} ms ==")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * CLIENTS + 256)), hard))
    mocks = mock_vendors.make_all()
    mocks["openai"].delay_s = VENDOR_DELAY_S
    server = Server(os.path.join(build_dir, "polyvox"), LOG_LEVEL="warning",
                    WORKER_CONCURRENCY="4", MAX_CONNECTIONS=str(2 * CLIENTS + 64),
                    **mock_vendors.provider_env(mocks)).start()
    try:
        token = server.login()
        idle = rss_mb(server.process.pid)

        def submit_jobs():
            blocks = 0
            for j in range(5):
                job = {"blocks": [{"text": f"Live job {j} block {i}.", "provider": "openai",
                                   "cache": False} for i in range(10)]}
                server.submit(token, job)
                blocks += 10
            return blocks

        latencies, got, expected, rss_connected, rss_after, probed = asyncio.run(
            follow_many(server, token, submit_jobs))
        probed.sort()
        latencies.sort()
        p50 = statistics.median(latencies) if latencies else float("nan")
        p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
        print(f"RSS of serve: idle {idle:.1f} MB, {CLIENTS} clients connected "
              f"{rss_connected:.1f} MB, after the jobs {rss_after:.1f} MB (target <= 150)")
        print(f"block.done delivered {got}/{expected}; store -> client latency p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms (target p99 <= 50)")
        if probed:
            print(f"  a 1,001st follower in its own process: {len(probed)} block.done, latency "
                  f"p50 {statistics.median(probed):.1f} ms, "
                  f"p99 {probed[int(0.99 * (len(probed) - 1))]:.1f} ms")
        pairs = [first_byte(server, token) for _ in range(5)]
        firsts = statistics.median(p[0] for p in pairs) * 1000
        blocks = statistics.median(p[1] for p in pairs) * 1000
        print(f"/stream first byte {firsts:.0f} ms after submission; first block done "
              f"{blocks:.0f} ms after submission (vendor {int(VENDOR_DELAY_S * 1000)} ms); "
              f"first byte - first block {firsts - blocks:+.0f} ms (target <= +100), medians of 5")
    finally:
        server.close()
        for mock in mocks.values():
            mock.stop()


if __name__ == "__main__":
    run(sys.argv[1])
