#!/usr/bin/env python3
"""/openapi.json validated by a real OpenAPI 3.1 validator from npm, and /docs (Swagger UI served
by the binary, no CDN) rendered by headless Chromium."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server  # noqa: E402

BINARY = None
TOOLS_DIR = None  # where npm installs the validator (inside the build directory)
VALIDATOR = "@seriousme/openapi-schema-validator@2.11.0"


def setUpModule():
    global SERVER
    SERVER = Server(BINARY).start()


def tearDownModule():
    SERVER.close()


class OpenApiTest(unittest.TestCase):
    def test_document_is_valid_openapi_3_1(self):
        res = SERVER.request("GET", "/openapi.json")
        self.assertEqual(res.status, 200)
        doc = res.json()
        self.assertEqual(doc["openapi"], "3.1.0")
        cli = os.path.join(TOOLS_DIR, "node_modules", ".bin", "validate-api")
        if not os.path.exists(cli):
            subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                            TOOLS_DIR, VALIDATOR], check=True)
        with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
            f.write(res.body)
        try:
            out = subprocess.run([cli, f.name], capture_output=True, text=True)
        finally:
            os.unlink(f.name)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn('"valid": true', out.stdout.replace("'", '"') + out.stderr)

    def test_every_route_is_documented(self):
        doc = SERVER.request("GET", "/openapi.json").json()
        expected = {("post", "/token"), ("get", "/health"), ("get", "/ready"), ("get", "/metrics"),
                    ("get", "/tts/providers"), ("get", "/tts/voices/{provider}"),
                    ("post", "/tts"), ("get", "/status/{job_id}"), ("get", "/result/{job_id}"),
                    ("get", "/result/{job_id}/audio"),
                    ("get", "/result/{job_id}/block/{index}/audio"), ("get", "/jobs"),
                    ("delete", "/jobs/{job_id}"), ("get", "/openapi.json"), ("get", "/docs"),
                    ("get", "/webhook-secret"), ("post", "/webhook-secret/rotate"),
                    ("post", "/api-keys"), ("get", "/api-keys"), ("delete", "/api-keys/{id}"),
                    ("post", "/v1/audio/speech"), ("get", "/v1/models"),
                    ("get", "/v1/audio/voices")}
        documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
        self.assertEqual(expected - documented, set())
        self.assertIn("Error", doc["components"]["schemas"])
        self.assertIn("jobFinished", doc["webhooks"])
        self.assertIn("webhook_url", doc["components"]["schemas"]["JobRequest"]["properties"])
        self.assertIn("API key", doc["components"]["securitySchemes"]["bearerAuth"]["description"])


class SwaggerUiTest(unittest.TestCase):
    def test_docs_page_renders_the_api_in_chromium(self):
        with tempfile.TemporaryDirectory() as profile:
            out = subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=15000",
                 "--dump-dom", f"http://127.0.0.1:{SERVER.port}/docs"],
                capture_output=True, text=True, timeout=120)
        dom = out.stdout
        self.assertIn("Polyvox API", dom, out.stderr[-2000:])
        self.assertIn("/status/{job_id}", dom)
        self.assertIn("/tts", dom)

    def test_assets_come_from_the_binary(self):
        res = SERVER.request("GET", "/docs")
        self.assertEqual(res.status, 200)
        self.assertNotIn(b"https://", res.body)  # nothing from a CDN
        js = SERVER.request("GET", "/docs/swagger-ui-bundle.js")
        self.assertEqual(js.status, 200)
        self.assertGreater(len(js.body), 500_000)
        self.assertEqual(SERVER.request("GET", "/docs/nope.js").status, 404)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    TOOLS_DIR = sys.argv.pop(1)
    unittest.main(verbosity=2)
