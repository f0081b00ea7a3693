#!/usr/bin/env python3
"""scripts/check-docs.py (the style.docs test) on small repositories made for each case: it
passes on a clean one and fails, naming file and line, on each kind of problem it exists for."""
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                      "check-docs.py")
WORKPLACE_DOCS = "shared" + "/docs"  # spelled in parts: this file must not match the check
WORKPLACE_DATA = "shared" + "/data"

CLEAN = {
    "README.md": "# Project\n\nSee [the design](docs/design.md#the-parts-of-it) and\n"
                 "[the code](src/) and [a section](#project).\n",
    "docs/design.md": "# Design\n\n## The parts of it\n\nCode: [main.cpp](../src/main.cpp), "
                      "[home](https://example.org/x).\n",
    "src/main.cpp": "// The entry point (docs/design.md).\nint main() { return 0; }\n",
}


class CheckDocsTest(unittest.TestCase):
    def check(self, files, untracked=None):
        """(exit code, stderr) of the checker on a repository holding `files` (tracked) and
        `untracked`."""
        with tempfile.TemporaryDirectory() as repo:
            subprocess.run(["git", "init", "-q", repo], check=True)
            for path, text in {**files, **(untracked or {})}.items():
                os.makedirs(os.path.join(repo, os.path.dirname(path)), exist_ok=True)
                with open(os.path.join(repo, path), "w", encoding="utf-8") as f:
                    f.write(text)
            subprocess.run(["git", "-C", repo, "add", "--", *files], check=True)
            result = subprocess.run([sys.executable, SCRIPT, repo], capture_output=True,
                                    text=True)
            return result.returncode, result.stderr

    def assert_fails_naming(self, files, *expected, untracked=None):
        code, err = self.check(files, untracked)
        self.assertEqual(code, 1, err)
        for text in expected:
            self.assertIn(text, err)

    def test_clean_repository_passes(self):
        code, err = self.check(CLEAN)
        self.assertEqual(code, 0, err)

    def test_workplace_paths_outside_docs_fail_with_file_and_line(self):
        files = dict(CLEAN)
        files["src/main.cpp"] = f"// x\n// see {WORKPLACE_DOCS}/style.md\nint main() {{}}\n"
        files["tools/train.py"] = f'DATA = "../{WORKPLACE_DATA}/arabic/all.txt"\n'
        self.assert_fails_naming(files, "src/main.cpp:2:", "tools/train.py:1:")

    def test_workplace_paths_inside_docs_are_allowed(self):
        files = dict(CLEAN)
        files["docs/design.md"] += f"\nFormerly {WORKPLACE_DOCS}/design.md.\n"
        code, err = self.check(files)
        self.assertEqual(code, 0, err)

    def test_link_to_a_missing_file_fails(self):
        files = dict(CLEAN)
        files["docs/design.md"] += "\nSee [gone](../src/gone.h).\n"
        self.assert_fails_naming(files, "docs/design.md:7: link ../src/gone.h")

    def test_link_to_an_untracked_file_fails(self):
        files = dict(CLEAN)
        files["README.md"] += "Built: [binary](build/polyvox).\n"
        self.assert_fails_naming(files, "README.md:5: link build/polyvox",
                                 untracked={"build/polyvox": "x"})

    def test_link_leaving_the_repository_fails(self):
        files = dict(CLEAN)
        files["README.md"] += "[notes](../notes.md)\n"
        self.assert_fails_naming(files, "leaves the repository")

    def test_missing_anchor_fails_in_another_file_and_in_the_same_one(self):
        files = dict(CLEAN)
        files["README.md"] += "[a](docs/design.md#no-such-part) [b](#nowhere)\n"
        self.assert_fails_naming(files, "#no-such-part", "#nowhere")

    def test_links_in_code_are_not_links(self):
        files = dict(CLEAN)
        files["README.md"] += "`[x](missing.md)`\n\n```\n[y](missing.md)\n```\n"
        code, err = self.check(files)
        self.assertEqual(code, 0, err)


if __name__ == "__main__":
    unittest.main()
