#!/usr/bin/env python3
"""Polyvox benchmarks: each section prints its figures and the ratios measured side by side in
the same run. The machine is noisy: every figure is the median of several alternating runs.

usage: bench/run.py BUILD_DIR [section ...]
sections: assembly synth rss memory store redis api providers jobs diacritizer live stretch
openai (default: all)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

BUILD = None
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def timed(cmd, env=None):
    """Wall time in seconds and peak RSS in KB of one run of `cmd`."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{result.stderr.decode()}")
    rss_kb = int(result.stderr.decode().strip().splitlines()[-1])
    return elapsed, rss_kb, result.stdout.decode()


def medians(commands, runs=RUNS):
    """Runs each named command `runs` times, alternating, returning name -> (median s, max RSS)."""
    times = {name: [] for name in commands}
    rss = {name: 0 for name in commands}
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            elapsed, peak, _ = timed(cmd, env)
            times[name].append(elapsed)
            rss[name] = max(rss[name], peak)
    return {name: (statistics.median(times[name]), rss[name]) for name in commands}


def section(title):
    print(f"\n== {title} ==")


def bench_assembly(tmp):
    section("Assembly: 100 pre-encoded 10 s blocks + 250 ms pauses")
    seg_dir = os.path.join(tmp, "segments")
    tool = os.path.join(BUILD, "bench", "assembly_bench")
    subprocess.run([tool, "prepare", seg_dir], check=True)
    ours, cli, ours_rss = [], [], 0
    for _ in range(RUNS):
        _, peak, out = timed([tool, "assemble", seg_dir, os.path.join(tmp, "ours.mp3")])
        ours.append(float(out.strip()) / 1000.0)  # in-process wall time of the assembly itself
        ours_rss = max(ours_rss, peak)
        elapsed, _, _ = timed(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i",
                               os.path.join(seg_dir, "concat.txt"), "-c:a", "libmp3lame", "-b:a",
                               "128k", os.path.join(tmp, "ffmpeg.mp3")])
        cli.append(elapsed)
    o, c = statistics.median(ours), statistics.median(cli)
    print(f"polyvox assembly (no re-encode)   median {o * 1000:9.1f} ms   peak RSS {ours_rss / 1024:.1f} MB")
    print(f"ffmpeg concat + libmp3lame        median {c * 1000:9.1f} ms")
    print(f"speed-up: {c / o:.0f}x (target >= 100x); peak RSS target <= 30 MB")
    totals, slowest = [], []
    for _ in range(RUNS):
        out = subprocess.run([tool, "stream", seg_dir], check=True, capture_output=True,
                             text=True).stdout.split()
        totals.append(float(out[0]))
        slowest.append(float(out[1]))
    print(f"progressive stream (add() per block) total {statistics.median(totals):7.1f} ms   "
          f"slowest 10 s block {statistics.median(slowest):.2f} ms (budget: first byte <= block + 100 ms)")
    bench_assembly_formats(tmp, tool)


# Every output format's final file from the same 100 blocks (mp3: the frames of its MP3
# segments; the others: WAV segments, assembled as they are (wav, pcm) or encoded once), side by
# side with mp3's assembly in the same run; and each format's progressive stream.
FORMATS = ("mp3", "wav", "pcm", "flac", "opus", "aac", "m4a")


def bench_assembly_formats(tmp, tool):
    section("Assembly per output format: the same 100 blocks (1,025 s of audio)")
    runs = int(os.environ.get("BENCH_FORMAT_RUNS", "3"))
    mp3_median = None
    for fmt in FORMATS:
        seg_dir = os.path.join(tmp, "segments-" + fmt)
        subprocess.run([tool, "prepare", seg_dir, fmt], check=True)
        times, streams, size = [], [], 0
        for _ in range(runs):
            out_path = os.path.join(tmp, "final." + fmt)
            out = subprocess.run([tool, "assemble", seg_dir, out_path, fmt], check=True,
                                 capture_output=True, text=True).stdout
            times.append(float(out.strip()))
            size = os.path.getsize(out_path)
            out = subprocess.run([tool, "stream", seg_dir, fmt], check=True, capture_output=True,
                                 text=True).stdout.split()
            streams.append((float(out[0]), float(out[1])))
        median = statistics.median(times)
        mp3_median = mp3_median or median  # FORMATS starts with mp3
        print(f"{fmt:5} final file median {median:9.1f} ms  x{median / mp3_median:7.1f} of "
              f"mp3   {size / 1e6:7.1f} MB   stream: total {statistics.median(s[0] for s in streams):8.1f} ms, "
              f"slowest block {statistics.median(s[1] for s in streams):6.2f} ms")
        shutil.rmtree(seg_dir, ignore_errors=True)


def bench_synth(tmp):
    section("Local synthesis: 2,000-word English text to MP3")
    words = []
    vocabulary = ("the quick brown fox jumps over a lazy dog while seven bright engineers build "
                  "reliable audio services for narration and learning").split()
    for i in range(2000):
        words.append(vocabulary[(i * 7 + i // 13) % len(vocabulary)] + ("." if i % 15 == 14 else ""))
    text = " ".join(words)
    text_path = os.path.join(tmp, "text.txt")
    with open(text_path, "w") as f:
        f.write(text)
    one = os.path.join(tmp, "one.json")
    twenty = os.path.join(tmp, "twenty.json")
    with open(one, "w") as f:
        json.dump({"blocks": [{"text": text, "provider": "espeak", "voice": "en"}]}, f)
    with open(twenty, "w") as f:
        json.dump({"blocks": [{"text": " ".join(words[i * 100:(i + 1) * 100]), "provider": "espeak",
                               "voice": "en"} for i in range(20)]}, f)
    env = dict(os.environ, MAX_TEXT_CHARS="100000")
    polyvox = os.path.join(BUILD, "polyvox")
    wav = os.path.join(tmp, "cli.wav")
    # The CLIs produce what polyvox produces: 44.1 kHz mono CBR 128 kbps, LAME quality 5.
    cli = ["sh", "-c", f"espeak-ng -v en -f {text_path} -w {wav} && "
                       f"lame --quiet -q 5 -m m -b 128 --resample 44.1 {wav} {tmp}/cli.mp3"]
    results = medians({
        "cli": (cli, None),
        "one": ([polyvox, "synth", one, "-o", os.path.join(tmp, "one.mp3")], env),
        "twenty": ([polyvox, "synth", twenty, "-o", os.path.join(tmp, "twenty.mp3")], env),
    })
    base = results["cli"][0]
    print(f"espeak-ng -w + lame CLIs          median {base:7.2f} s")
    print(f"polyvox synth, 1 block            median {results['one'][0]:7.2f} s   "
          f"ratio {results['one'][0] / base:.2f}x (target <= 1.2x)")
    print(f"polyvox synth, 20 blocks          median {results['twenty'][0]:7.2f} s   "
          f"ratio {results['twenty'][0] / base:.2f}x (target < 1x)")
    bench_synth_timings(tmp, words, polyvox, env)


def bench_synth_timings(tmp, words, polyvox, env):
    """What word timings cost: a 60-block espeak job with timings off (WORD_TIMINGS=0) and on
    (espeak-ng's word events through the pipeline, the manifest with its words and WebVTT
    subtitles written), alternating, medians; no audio cache, so that every run speaks."""
    env = dict(env, CACHE_ENABLED="false")
    section("Word timings: 60-block espeak job, timings off vs on")
    job = os.path.join(tmp, "sixty.json")
    with open(job, "w") as f:
        json.dump({"blocks": [{"text": " ".join(words[i * 30:(i + 1) * 30]), "provider": "espeak",
                               "voice": "en", "wait_after_ms": 300} for i in range(60)]}, f)
    out = os.path.join(tmp, "sixty.mp3")
    results = medians({
        "off": ([polyvox, "synth", job, "-o", out, "--manifest", os.path.join(tmp, "off.json")],
                dict(env, WORD_TIMINGS="0")),
        "on": ([polyvox, "synth", job, "-o", out, "--manifest", os.path.join(tmp, "on.json"),
                "--words", "--subtitles", os.path.join(tmp, "sixty.vtt")],
               dict(env, WORD_TIMINGS="1")),
    })
    off, on = results["off"][0], results["on"][0]
    print(f"polyvox synth, timings off        median {off:7.2f} s")
    print(f"polyvox synth, timings on         median {on:7.2f} s   "
          f"cost {100.0 * (on - off) / off:+.1f}% (target <= 5%)")


def bench_rss(tmp):
    section("Peak RSS of polyvox synth on a 100-block job")
    job = os.path.join(tmp, "hundred.json")
    sentences = ["Polyvox renders many blocks into one file.", "Each block has its own voice.",
                 "Pauses are digital silence.", "Loudness is the same for every block."]
    with open(job, "w") as f:
        json.dump({"blocks": [{"text": f"Block {i}. " + " ".join(sentences), "provider":
                               "espeak" if i % 3 else "flite", "wait_after_ms": 250}
                              for i in range(100)]}, f)
    results = medians({"synth": ([os.path.join(BUILD, "polyvox"), "synth", job, "-o",
                                  os.path.join(tmp, "hundred.mp3")], None)}, runs=3)
    seconds, rss = results["synth"]
    print(f"polyvox synth, 100 blocks         median {seconds:7.2f} s   peak RSS {rss / 1024:.1f} MB "
          f"(target <= 60 MB)")


def bench_store(tmp):
    section("Embedded SQLite job store (create_job, get_job, claim+complete)")
    # One run: the tool times tens of thousands of operations itself.
    result = subprocess.run([os.path.join(BUILD, "bench", "sqlite_store_bench"),
                             os.path.join(tmp, "store")], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"sqlite_store_bench failed:\n{result.stderr}")
    print(result.stdout.rstrip())


def bench_redis(tmp):
    section("Redis job store (distributed mode): round trips per block, create_job, claim+complete")
    # A redis-server as deployed: AOF on, fsync every second, on a free loopback port.
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = os.path.join(tmp, "redis")
    os.makedirs(data)
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                               "--dir", data, "--logfile", "redis.log"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("redis-server did not start")
            time.sleep(0.01)
        result = subprocess.run([os.path.join(BUILD, "bench", "redis_store_bench"),
                                 f"redis://127.0.0.1:{port}"], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"redis_store_bench failed:\n{result.stderr}")
        print(result.stdout.rstrip())
    finally:
        server.terminate()
        server.wait()


def bench_memory(tmp):
    import memory_bench
    memory_bench.run(BUILD)


def bench_api(tmp):
    import api_bench
    api_bench.run(BUILD)


def bench_live(tmp):
    import live_bench
    live_bench.run(BUILD)


def bench_openai(tmp):
    import openai_bench
    openai_bench.run(BUILD)


def bench_providers(tmp):
    import providers_bench
    providers_bench.run(BUILD)


def bench_jobs(tmp):
    import jobs_bench
    jobs_bench.run(BUILD)


def bench_distributed(tmp):
    import distributed_bench
    distributed_bench.run(BUILD)


def bench_diacritizer(tmp):
    section("Embedded Arabic diacritizer (bench/diacritizer.sh)")
    result = subprocess.run([os.path.join(ROOT, "bench", "diacritizer.sh"), BUILD],
                            capture_output=True, text=True)
    print(result.stdout.rstrip())
    if result.returncode != 0:
        sys.exit(f"diacritizer benchmark failed:\n{result.stderr}")


def bench_stretch(tmp):
    section("Time stretch of block speeds (bench/stretch_bench.cpp)")
    result = subprocess.run([os.path.join(BUILD, "bench", "stretch_bench"), str(3 * RUNS)],
                            capture_output=True, text=True)
    print(result.stdout.rstrip())
    if result.returncode != 0:
        sys.exit(f"stretch benchmark failed:\n{result.stderr}")


SECTIONS = {"assembly": bench_assembly, "synth": bench_synth, "rss": bench_rss,
            "memory": bench_memory,
            "store": bench_store, "redis": bench_redis, "api": bench_api,
            "providers": bench_providers, "jobs": bench_jobs, "distributed": bench_distributed,
            "diacritizer": bench_diacritizer, "live": bench_live, "stretch": bench_stretch,
            "openai": bench_openai}


def main():
    global BUILD
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    BUILD = os.path.abspath(sys.argv[1])
    chosen = sys.argv[2:] or list(SECTIONS)
    print(f"Polyvox benchmarks ({RUNS} runs per figure, medians; {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            SECTIONS[name](tmp)


if __name__ == "__main__":
    main()
