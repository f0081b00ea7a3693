"""HTTP API benchmark (a section of bench/run.py): wrk, 2 threads, 64 connections, 10 s, against
nginx answering a fixed 200 from memory (the machine's limit, measured in the same run) and
against `polyvox serve` in embedded mode."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from polyvox_server import Server  # noqa: E402

DURATION = os.environ.get("BENCH_WRK_DURATION", "10s")
# Extra variables for the polyvox servers only ("NAME=value ..."), e.g. to compare allocator
# settings side by side (bench/api_ab.py API_AB_NEW_ENV).
EXTRA_ENV = dict(kv.split("=", 1) for kv in os.environ.get("BENCH_API_ENV", "").split())

NGINX_CONF = """
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type application/json; return 200 '{{"status":"ok"}}'; }}
  }}
}}
"""

POST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = '{body}'
"""


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url, *extra):
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{DURATION}", "--latency", *extra, url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": rate, "p99_ms": float(p99.group(1)) * scale,
            "non2xx": int(errors.group(1)) if errors else 0}


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def measure(binary, port, tmp):
    """The wrk figures (nginx on `port` included) and serve's RSS; `tmp` holds wrk's scripts."""
    server = Server(binary, WORKER_CONCURRENCY="2", LOG_LEVEL="warning", **EXTRA_ENV).start()
    try:
        time.sleep(1.0)  # let nginx bind (its readiness is checked by the first wrk run below)
        token = server.login()
        job_id = server.submit(token, {"blocks": [{"text": "Benchmark job."}]})
        server.wait_for(token, job_id)
        idle_rss = rss_mb(server.process.pid)

        results = {"nginx": wrk(f"http://127.0.0.1:{port}/")}
        results["health"] = wrk(f"http://127.0.0.1:{server.port}/health")
        peak_rss = [0.0]
        sampler_stop = [False]

        import threading

        def sample():
            while not sampler_stop[0]:
                peak_rss[0] = max(peak_rss[0], rss_mb(server.process.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample)
        sampler.start()
        results["status"] = wrk(f"http://127.0.0.1:{server.port}/status/{job_id}", "-H",
                                f"Authorization: Bearer {token}")
        sampler_stop[0] = True
        sampler.join()
        made = server.request("POST", "/api-keys", {"name": "bench"}, token=token)
        assert made.status == 201, made
        results["status_key"] = wrk(f"http://127.0.0.1:{server.port}/status/{job_id}", "-H",
                                    f"Authorization: Bearer {made.json()['key']}")
        body = json.dumps({"blocks": [{"text": "One.", "provider": "espeak"},
                                      {"text": "Two.", "provider": "flite"},
                                      {"text": "Three.", "provider": "espeak"}]})
        lua = os.path.join(tmp, "post.lua")
        with open(lua, "w") as f:
            f.write(POST_LUA.format(token=token, body=body))
        results["post"] = wrk(f"http://127.0.0.1:{server.port}/tts", "-s", lua)
        results["idle_rss"], results["peak_rss"] = idle_rss, peak_rss
    finally:
        server.close()
    # The same POSTs to a server whose workers take nothing (WORKER_CONCURRENCY=0): what the API
    # itself costs, without the rendering the figure above shares the cores with.
    api_only = Server(binary, WORKER_CONCURRENCY="0", LOG_LEVEL="warning", **EXTRA_ENV).start()
    try:
        with open(lua, "w") as f:
            f.write(POST_LUA.format(token=api_only.login(), body=body))
        results["post_api"] = wrk(f"http://127.0.0.1:{api_only.port}/tts", "-s", lua)
    finally:
        api_only.close()
    return results


def run(build_dir):
    print("\n== HTTP API (wrk -t2 -c64 -d%s) ==" % DURATION)
    binary = os.path.join(build_dir, "polyvox")
    tmp = tempfile.mkdtemp()
    port = free_port()
    with open(os.path.join(tmp, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(dir=tmp, port=port))
    nginx = subprocess.Popen(["nginx", "-c", os.path.join(tmp, "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        results = measure(binary, port, tmp)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    idle_rss, peak_rss = results.pop("idle_rss"), results.pop("peak_rss")

    base = results["nginx"]
    print(f"nginx fixed 200 (the limit)   {base['rate']:10.0f} req/s   p99 {base['p99_ms']:6.2f} ms")
    for name, label, target in (("health", "GET /health", 0.70), ("status", "GET /status + JWT", 0.40),
                                ("status_key", "GET /status + API key", 0.40)):
        r = results[name]
        print(f"{label:<29} {r['rate']:10.0f} req/s   p99 {r['p99_ms']:6.2f} ms   "
              f"{r['rate'] / base['rate']:.0%} of nginx (target >= {target:.0%}), "
              f"p99 {r['p99_ms'] / base['p99_ms']:.1f}x nginx's (target <= 2x), "
              f"non-2xx {r['non2xx']}")
    post = results["post"]
    print(f"{'POST /tts (3 blocks)':<29} {post['rate']:10.0f} req/s   p99 {post['p99_ms']:6.2f} ms   "
          f"{post['rate'] / base['rate']:.1%} of nginx (target >= 3000 req/s, p99 < 20 ms), "
          f"non-2xx {post['non2xx']}")
    api = results["post_api"]
    print(f"{'POST /tts, no workers':<29} {api['rate']:10.0f} req/s   p99 {api['p99_ms']:6.2f} ms   "
          f"{api['rate'] / base['rate']:.1%} of nginx (the API alone: nothing rendered beside "
          f"it), non-2xx {api['non2xx']}")
    print(f"RSS of serve: idle {idle_rss:.1f} MB (target <= 30), under the status load "
          f"{peak_rss[0]:.1f} MB (target <= 60)")
