"""Side-by-side API benchmark of two built trees (e.g. a release and main): runs the `api`
section (bench/api_bench.py, wrk against nginx in the same run) of each tree in turn, ROUNDS
times, and prints each figure's median per tree and their ratio. Alternating rounds spread the
machine's noise over both trees; stop other CPU work (fuzzers, training) while it runs.

usage: /usr/bin/python3 bench/api_ab.py BASE_TREE NEW_TREE [ROUNDS=5]
(each tree: a checkout with its build in TREE/build). API_AB_BASE_ENV and API_AB_NEW_ENV
("NAME=value ...") are given to that side's polyvox servers (api_bench's BENCH_API_ENV): the
same tree twice with two settings compares the settings."""
import os
import re
import statistics
import subprocess
import sys

PATTERNS = {"nginx": r"nginx fixed 200 \(the limit\)\s+(\d+)",
            "health": r"GET /health\s+(\d+)",
            "status": r"GET /status \+ JWT\s+(\d+)",
            "status_key": r"GET /status \+ API key\s+(\d+)",
            "post": r"POST /tts \(3 blocks\)\s+(\d+)",
            "post_api": r"POST /tts, no workers\s+(\d+)",
            "idle_rss": r"idle ([\d.]+) MB",
            "load_rss": r"status load\s+([\d.]+) MB"}


def run_tree(tree, extra_env):
    code = (f"import sys; sys.path.insert(0, {tree + '/bench'!r}); import api_bench; "
            f"api_bench.run({tree + '/build'!r})")
    env = dict(os.environ, BENCH_API_ENV=extra_env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tree, check=True, env=env).stdout
    found = {}
    for name, pattern in PATTERNS.items():
        match = re.search(pattern, out)
        if match:
            found[name] = float(match.group(1))
    return found


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    trees = {"base": sys.argv[1], "new": sys.argv[2]}
    rounds = int(sys.argv[3]) if len(sys.argv) == 4 else 5
    figures = {name: {} for name in trees}
    for i in range(rounds):
        for name, tree in trees.items():
            extra_env = os.environ.get(f"API_AB_{name.upper()}_ENV", "")
            for key, value in run_tree(tree, extra_env).items():
                figures[name].setdefault(key, []).append(value)
            print(name, i, {k: v[-1] for k, v in figures[name].items()}, flush=True)
    medians = {name: {k: statistics.median(v) for k, v in f.items()}
               for name, f in figures.items()}
    for name in trees:
        print(name, "medians", medians[name])
    for key, value in medians["new"].items():
        if key in medians["base"]:
            print(f"{key}: new/base {value / medians['base'][key]:.2f}")


if __name__ == "__main__":
    main()
