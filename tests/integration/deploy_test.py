#!/usr/bin/env python3
"""The deployment files agree with each other and with what they deploy, read as Docker reads
them (Docker itself is not needed): docker-compose.yml gives each node at least the stop time
deploy/supervisord.conf gives the same program, README's `docker run --stop-timeout` covers
supervisord stopping its programs one after the other, and .dockerignore keeps the local state
.gitignore lists (the build directory's CMake cache, var/ with the password hashes and the
secret key, .env) out of the build context while sending every tracked file."""
import configparser
import os
import re
import subprocess
import unittest

import yaml  # Debian's python3-yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# supervisord's stopwaitsecs when a program sets none.
SUPERVISORD_DEFAULT_STOPWAITSECS = 10
# Docker's stop timeout when a container or service sets none.
DOCKER_DEFAULT_STOP_SECONDS = 10


def supervisord_programs():
    """{program: (its polyvox subcommand or None, stopwaitsecs)} of deploy/supervisord.conf."""
    conf = configparser.RawConfigParser(strict=True, inline_comment_prefixes=(";",))
    conf.read(os.path.join(ROOT, "deploy", "supervisord.conf"))
    programs = {}
    for section in conf.sections():
        if not section.startswith("program:"):
            continue
        command = conf.get(section, "command").split()
        subcommand = command[1] if "POLYVOX_BIN" in command[0] and len(command) > 1 else None
        wait = conf.getint(section, "stopwaitsecs", fallback=SUPERVISORD_DEFAULT_STOPWAITSECS)
        programs[section.split(":", 1)[1]] = (subcommand, wait)
    return programs


def compose_seconds(duration):
    """Seconds of a Compose duration ("30s", "1m30s", "1h"); Docker's default when unset."""
    if duration is None:
        return DOCKER_DEFAULT_STOP_SECONDS
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s|us)", str(duration))
    if "".join(n + u for n, u in parts) != str(duration):
        raise ValueError(f"not a Compose duration: {duration!r}")
    return sum(float(n) * units[u] for n, u in parts)


class StopTimeTest(unittest.TestCase):
    def test_compose_gives_each_node_the_stop_time_supervisord_gives_it(self):
        with open(os.path.join(ROOT, "docker-compose.yml")) as f:
            compose = yaml.safe_load(f)
        waits = {sub: wait for sub, wait in supervisord_programs().values() if sub}
        self.assertEqual(set(waits), {"serve", "worker"})
        checked = set()
        for name, service in compose["services"].items():
            command = service.get("command") or []
            if command and command[0] in waits:
                grace = compose_seconds(service.get("stop_grace_period"))
                self.assertGreaterEqual(
                    grace, waits[command[0]],
                    f"docker-compose.yml: service {name} ({command[0]}) may be killed after "
                    f"{grace:g} s, while supervisord.conf waits {waits[command[0]]} s for it")
                checked.add(command[0])
        self.assertEqual(checked, set(waits))

    def test_readme_stop_timeout_covers_supervisords_stops_one_after_the_other(self):
        # supervisord stops its programs one at a time (by priority), each for up to its
        # stopwaitsecs: the container must live as long as all of them.
        total = sum(wait for _, wait in supervisord_programs().values())
        with open(os.path.join(ROOT, "README.md")) as f:
            timeouts = [int(t) for t in re.findall(r"--stop-timeout\s+(\d+)", f.read())]
        self.assertTrue(timeouts, "README.md gives no `docker run --stop-timeout`")
        for timeout in timeouts:
            self.assertGreaterEqual(timeout, total,
                                    f"--stop-timeout {timeout} is shorter than supervisord's "
                                    f"stops one after the other ({total} s)")


def dockerignore_regex(pattern):
    """A pattern of .dockerignore as Docker matches it (moby/patternmatcher): cleaned, anchored
    at the context's root, `**` any number of directories, `*` and `?` within one."""
    pattern = os.path.normpath(pattern).lstrip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore_rules():
    rules = []
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exclude = not line.startswith("!")
            rules.append((dockerignore_regex(line.lstrip("!").strip()), exclude))
    return rules


def excluded(rules, path):
    """Whether Docker leaves `path` (relative to the context) out: the last rule matching it or
    one of its parent directories decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    decision = False
    for regex, exclude in rules:
        if any(regex.match(p) for p in prefixes):
            decision = exclude
    return decision


class DockerignoreTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists(os.path.join(ROOT, ".dockerignore")),
                        "no .dockerignore: `COPY . .` sends build/, var/ and .env to the image")
        self.rules = dockerignore_rules()

    def test_local_state_stays_out_of_the_build_context(self):
        for path in ["build/CMakeCache.txt", "build-asan/x.o", "var/polyvox.db", "var/secret_key",
                     ".env", "out/welcome.mp3", "node_modules/a/index.js",
                     "tests/integration/openai_sdk/node_modules/openai/index.js",
                     "tools/__pycache__/m.cpython-311.pyc", "bench/x.pyc"]:
            self.assertTrue(excluded(self.rules, path), f"{path} is sent to docker build")

    def test_every_gitignore_entry_is_left_out(self):
        with open(os.path.join(ROOT, ".gitignore")) as f:
            entries = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        for entry in entries:
            # A path the entry ignores: at the root, and deeper unless the entry is anchored.
            sample = entry.lstrip("/").replace("*", "x")
            if entry.endswith("/"):
                sample += "file"
            samples = [sample] if entry.startswith("/") else [sample, "deep/dir/" + sample]
            for path in samples:
                self.assertTrue(excluded(self.rules, path),
                                f".gitignore's {entry} ({path}) is sent to docker build")

    def test_every_tracked_file_is_sent(self):
        # The image builds from them, and cmake/build_info.cmake's revision would read "+dirty".
        try:
            listed = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True,
                                    check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            self.skipTest(f"not a git checkout: {e}")
        tracked = [p for p in listed.stdout.decode().split("\0") if p]
        self.assertGreater(len(tracked), 100)
        left_out = [p for p in tracked if excluded(self.rules, p)]
        self.assertEqual(left_out, [], "tracked files .dockerignore leaves out")


if __name__ == "__main__":
    unittest.main(verbosity=2)
