#!/usr/bin/env python3
"""The studio as served by the real `polyvox serve`: the page at / under a strict
Content-Security-Policy, its assets under /studio/<build id>/ (gzip when accepted, cached for
good), nothing inline and nothing remote, the first load's weight as served, and the API left
where it was (unknown paths still answer JSON 404)."""
import gzip
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server  # noqa: E402

BINARY = None
SERVER = None
WEB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "web")
FIRST_LOAD_LIMIT = 300 * 1024


def get(path, gzip_ok=True):
    headers = {"Accept-Encoding": "gzip, deflate, br"} if gzip_ok else {}
    return SERVER.request("GET", path, headers=headers)


def body_of(res):
    if res.headers.get("content-encoding") == "gzip":
        return gzip.decompress(res.body)
    return res.body


class StudioAssetsTest(unittest.TestCase):
    def page(self):
        res = get("/")
        self.assertEqual(res.status, 200, res)
        return res, body_of(res).decode()

    def asset_base(self):
        _, html = self.page()
        match = re.search(r'src="(/studio/[0-9a-f]{16})/app\.js"', html)
        self.assertIsNotNone(match, html)
        return match.group(1)

    def test_page_has_a_strict_content_security_policy(self):
        res, html = self.page()
        self.assertTrue(res.headers["content-type"].startswith("text/html"))
        self.assertEqual(res.headers["cache-control"], "no-cache")
        self.assertEqual(res.headers["x-content-type-options"], "nosniff")
        csp = {d.split()[0]: d.split()[1:] for d in
               (p.strip() for p in res.headers["content-security-policy"].split(";")) if d}
        self.assertEqual(csp["default-src"], ["'none'"])
        for directive in ("script-src", "connect-src", "img-src"):
            self.assertEqual(csp[directive], ["'self'"], directive)
        # Styles: this origin's, and the one inline stylesheet carrying this response's nonce
        # (the waveform player's, in its shadow DOM), which the page hands to its scripts.
        self.assertEqual(csp["style-src"][0], "'self'")
        nonce = re.fullmatch(r"'nonce-([0-9a-f]{32})'", csp["style-src"][1])
        self.assertIsNotNone(nonce, csp["style-src"])
        self.assertEqual(len(csp["style-src"]), 2)
        self.assertIn(f'<meta name="style-nonce" content="{nonce.group(1)}">', html)
        again, again_html = self.page()
        self.assertNotIn(nonce.group(1), again.headers["content-security-policy"])
        self.assertNotIn(nonce.group(1), again_html)
        self.assertNotIn("content-encoding", res.headers)  # completed per response
        self.assertEqual(csp["media-src"], ["'self'", "blob:"])  # voice previews fetched
        self.assertEqual(csp["frame-ancestors"], ["'none'"])
        self.assertEqual(csp["base-uri"], ["'none'"])
        self.assertNotIn("unsafe", res.headers["content-security-policy"])
        # Nothing inline: every script has a src, no style element or attribute, no handler.
        self.assertEqual(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html), [])
        self.assertNotRegex(html, r"<style|\sstyle=|\son[a-z]+=")
        self.assertNotRegex(html, r"https?://")

    def test_assets_are_gzipped_when_accepted_and_cached_for_good(self):
        base = self.asset_base()
        for name, kind in (("app.js", "text/javascript"), ("studio.css", "text/css"),
                           ("compose.js", "text/javascript"), ("icon.svg", "image/svg+xml"),
                           ("wavesurfer.esm.js", "text/javascript"),
                           ("wavesurfer-regions.esm.js", "text/javascript")):
            zipped = get(f"{base}/{name}")
            self.assertEqual(zipped.status, 200, (name, zipped))
            self.assertTrue(zipped.headers["content-type"].startswith(kind), name)
            self.assertEqual(zipped.headers.get("content-encoding"), "gzip", name)
            self.assertEqual(zipped.headers["vary"], "Accept-Encoding")
            self.assertEqual(zipped.headers["cache-control"], "public, max-age=31536000, immutable")
            plain = get(f"{base}/{name}", gzip_ok=False)
            self.assertNotIn("content-encoding", plain.headers)
            self.assertEqual(gzip.decompress(zipped.body), plain.body, name)
            self.assertLess(len(zipped.body), len(plain.body), name)
            if name in os.listdir(WEB_DIR):
                with open(os.path.join(WEB_DIR, name), "rb") as f:
                    self.assertEqual(plain.body, f.read(), name)
        refused = SERVER.request("GET", f"{base}/app.js", headers={"Accept-Encoding": "gzip;q=0"})
        self.assertNotIn("content-encoding", refused.headers)

    def test_wrong_build_or_unknown_asset_is_a_json_404(self):
        base = self.asset_base()
        for path in ("/studio/0123456789abcdef/app.js", f"{base}/nope.js", f"{base}/index.html",
                     "/nope", "/tts/nope", "/studio"):
            res = get(path)
            self.assertEqual(res.status, 404, path)
            self.assertTrue(res.headers["content-type"].startswith("application/json"), path)
            self.assertIn("error", res.json(), path)

    def test_the_api_stays_where_it_is(self):
        self.assertEqual(get("/health").json(), {"status": "ok"})
        self.assertEqual(get("/docs").status, 200)
        self.assertEqual(SERVER.request("POST", "/").status, 405)
        self.assertEqual(get("/jobs").status, 401)

    def test_scripts_use_no_eval_and_nothing_remote(self):
        for name in os.listdir(WEB_DIR):
            if not name.endswith(".js"):
                continue
            with open(os.path.join(WEB_DIR, name), encoding="utf-8") as f:
                source = f.read()
            self.assertNotRegex(source, r"\beval\(|new Function\(|innerHTML|https?://", name)

    def test_first_load_weighs_at_most_300_kb_as_served(self):
        """The page, its stylesheet and icon, and every module app.js imports, transitively."""
        res, html = self.page()
        base = self.asset_base()
        served = len(res.body)
        pending = ["app.js", "studio.css", "icon.svg"]
        seen = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            asset = get(f"{base}/{name}")
            self.assertEqual(asset.status, 200, name)
            served += len(asset.body)
            if name.endswith(".js"):
                source = body_of(asset).decode()
                pending += re.findall(r"""from\s+["']\./([\w.-]+)["']""", source)
        print(f"\nfirst load as served: {served} bytes ({len(seen) + 1} files)", file=sys.stderr)
        self.assertLessEqual(served, FIRST_LOAD_LIMIT)


def setUpModule():
    global SERVER
    SERVER = Server(BINARY).start()


def tearDownModule():
    code = SERVER.stop()
    SERVER.close()
    assert code == 0, f"serve exited with {code}"


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
