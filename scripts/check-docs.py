#!/usr/bin/env python3
"""Checks that the repository's documents can be followed by a reader of the repository alone.

Fails (exit 1), listing every problem as FILE:LINE: message, when
  - a tracked file outside docs/ points into the workplace's directory of documents or of data
    (the paths the two prefixes below spell), which is not part of the repository;
  - a relative link in README.md or docs/*.md names a file or directory that is not tracked, or
    an anchor (#...) that no heading of the target Markdown file makes.
Links inside code spans and fenced code blocks are not links. Python 3 standard library only.

Usage: check-docs.py [REPOSITORY]   (default: the checkout holding this script)
"""
import os
import re
import subprocess
import sys

# Spelled in parts so that this file does not match itself.
FORBIDDEN = ["shared" + "/docs", "shared" + "/data"]

# [text](target "title"), the text possibly holding [brackets]; the target in group 1.
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]"
                         r"\(\s*(<[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True).stdout


def tracked_files(repo):
    return [p for p in git(repo, "ls-files", "-z").split("\0") if p]


def forbidden_mentions(repo):
    """FILE:LINE: message for each tracked file outside docs/ naming a forbidden prefix."""
    problems = []
    args = ["grep", "-n", "-I", "--no-color"]
    for pattern in FORBIDDEN:
        args += ["-e", pattern]
    result = subprocess.run(["git", "-C", repo, *args, "--", ".", ":(exclude)docs/"],
                            capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise RuntimeError("git grep failed: " + result.stderr.strip())
    for line in result.stdout.splitlines():
        path, number, text = line.split(":", 2)
        which = next(p for p in FORBIDDEN if p in text)
        problems.append(f"{path}:{number}: names {which}/, which is not in the repository; "
                        "point to docs/ or say what is meant")
    return problems


def markdown_lines(text):
    """(line number, line) of the lines outside fenced code blocks, code spans blanked."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        opening = FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        yield number, re.sub(r"(`+)(?:(?!\1).)+?\1", lambda m: " " * len(m.group(0)), line)


def slug(heading):
    """The anchor GitHub gives a heading (its first occurrence)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text):
    seen = {}
    out = set()
    for _, line in markdown_lines(text):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


def link_targets(text):
    for number, line in markdown_lines(text):
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(1)
        definition = REFERENCE_DEFINITION.match(line)
        if definition:
            yield number, definition.group(1)


def broken_links(repo, tracked):
    files = set(tracked)
    directories = {os.path.dirname(p) for p in tracked}
    for p in list(directories):
        while p:
            p = os.path.dirname(p)
            directories.add(p)
    documents = [p for p in tracked
                 if p == "README.md" or (p.startswith("docs/") and p.endswith(".md"))]
    problems = []
    for document in sorted(documents):
        with open(os.path.join(repo, document), encoding="utf-8") as f:
            text = f.read()
        for number, target in link_targets(text):
            target = target.strip("<>")
            if SCHEME.match(target) or target.startswith("//"):
                continue  # not relative: another site's business
            where = f"{document}:{number}"
            path, _, fragment = target.partition("#")
            if path:
                resolved = os.path.normpath(os.path.join(os.path.dirname(document), path))
                if resolved.startswith(".."):
                    problems.append(f"{where}: link {target} leaves the repository")
                    continue
                if resolved not in files and resolved not in directories:
                    problems.append(f"{where}: link {target}: no tracked file or directory "
                                    f"{resolved}")
                    continue
            else:
                resolved = document
            if fragment and resolved.endswith(".md") and resolved in files:
                with open(os.path.join(repo, resolved), encoding="utf-8") as f:
                    if fragment not in anchors(f.read()):
                        problems.append(f"{where}: link {target}: no heading of {resolved} "
                                        f"makes the anchor #{fragment}")
    return problems


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    tracked = tracked_files(repo)
    problems = forbidden_mentions(repo) + broken_links(repo, tracked)
    if problems:
        print(f"check-docs: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        return 1
    print("check-docs: no reference outside the repository, every relative link resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
