"""`polyvox serve` (embedded mode) storing its audio in S3: npm's s3rver behind a SigV4-verifying
proxy (tests/support/s3_server.js), optionally mirrored to the Cloudinary mock
(tests/support/mock_cloudinary.py). A job rendered with local espeak voices has its segments and
result in the bucket, /result gives presigned URLs that work without keys, the streaming
endpoints pass Range through to S3, and DELETE removes the objects."""
import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server, poll_until  # noqa: E402

SUPPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support")
BINARY = None
TOOLS_DIR = None  # npm prefix holding s3rver (installed here when absent)
JOB = {"user_id": "storage-test", "blocks": [
    {"text": "Stored in a bucket.", "provider": "espeak", "voice": "en-us", "wait_after_ms": 200},
    {"text": "Streamed back with ranges.", "provider": "espeak", "voice": "en-us"}]}


class ChildServer:
    """A test server that prints one JSON line about itself and serves until stdin closes."""

    def __init__(self, argv):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        line = self.process.stdout.readline()
        if not line:
            self.process.kill()
            raise RuntimeError("%s did not start" % argv[1])
        self.info = json.loads(line)

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def fetch(url, headers=None):
    """(status, body) of a plain GET, without any credentials."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=10) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def setUpModule():
    global S3, S3_DIR, CLOUDINARY
    modules = os.path.join(TOOLS_DIR, "node_modules")
    if not os.path.isfile(os.path.join(modules, "s3rver", "package.json")):
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                        TOOLS_DIR, "s3rver@3.7.1"], check=True)
    S3_DIR = tempfile.TemporaryDirectory()
    S3 = ChildServer(["node", os.path.join(SUPPORT, "s3_server.js"), modules, S3_DIR.name])
    CLOUDINARY = ChildServer(["/usr/bin/python3", os.path.join(SUPPORT, "mock_cloudinary.py")])


def tearDownModule():
    S3.close()
    CLOUDINARY.close()
    S3_DIR.cleanup()


def s3_env():
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": S3.info["url"],
            "S3_BUCKET_NAME": S3.info["bucket"], "S3_ACCESS_KEY": S3.info["access_key"],
            "S3_SECRET_KEY": S3.info["secret_key"], "S3_REGION": S3.info["region"]}


def bucket_objects(job_id):
    """Keys of the job's objects in s3rver's directory."""
    root = os.path.join(S3_DIR.name, S3.info["bucket"])
    keys = []
    for folder, _, files in os.walk(os.path.join(root, "jobs", job_id)):
        for name in files:
            if name.endswith("._S3rver_object"):
                path = os.path.join(folder, name[:-len("._S3rver_object")])
                keys.append(os.path.relpath(path, root))
    return sorted(keys)


def s3_ranges():
    return json.loads(fetch(S3.info["url"] + "/__stats__")[1])["ranges"]


class S3StorageTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(BINARY, **s3_env()).start()
        self.token = self.server.login()

    def tearDown(self):
        code = self.server.stop()
        self.server.close()
        self.assertEqual(code, 0)

    def test_job_lives_in_the_bucket_and_is_deleted_from_it(self):
        job_id = self.server.submit(self.token, JOB)
        status = self.server.wait_for(self.token, job_id)
        self.assertEqual(status["status"], "completed", status)
        keys = bucket_objects(job_id)
        self.assertEqual(len(keys), 3, keys)  # two segments and the final file
        finals = [k for k in keys if k.startswith("jobs/%s/final_audio-" % job_id)]
        self.assertEqual(len(finals), 1, keys)
        self.assertTrue(finals[0].endswith(".mp3"), finals)

        result = self.server.request("GET", "/result/" + job_id, token=self.token).json()
        for entry in result["block_urls"]:
            urls = entry["urls"]
            self.assertTrue(urls["primary_url"].startswith(
                "%s/%s/jobs/%s/segments/" % (S3.info["url"], S3.info["bucket"], job_id)), urls)
            self.assertIn("X-Amz-Signature=", urls["primary_url"])
            self.assertIsNone(urls["secondary_url"])
            status_code, body = fetch(urls["primary_url"])  # no keys needed
            self.assertEqual(status_code, 200)
            ours = self.server.request(
                "GET", "/result/%s/block/%d/audio" % (job_id, entry["index"]), token=self.token)
            self.assertEqual(ours.status, 200)
            self.assertEqual(ours.body, body)
            self.assertEqual(fetch(urls["primary_url"][:-1] + "x")[0], 403)  # tampered

        whole = self.server.request("GET", "/result/%s/audio" % job_id, token=self.token)
        self.assertEqual(whole.status, 200)
        self.assertGreater(len(whole.body), 1000)
        seen = len(s3_ranges())
        part = self.server.request("GET", "/result/%s/audio" % job_id, token=self.token,
                                   headers={"Range": "bytes=100-299"})
        self.assertEqual(part.status, 206)
        self.assertEqual(part.headers["content-range"], "bytes 100-299/%d" % len(whole.body))
        self.assertEqual(part.body, whole.body[100:300])
        self.assertEqual(s3_ranges()[seen:], ["bytes=100-299"])  # only that range left S3

        deleted = self.server.request("DELETE", "/jobs/" + job_id, token=self.token)
        self.assertEqual(deleted.status, 200, deleted)
        self.assertEqual(bucket_objects(job_id), [])
        self.assertEqual(fetch(result["block_urls"][0]["urls"]["primary_url"])[0], 404)


class MirroredStorageTest(unittest.TestCase):
    def test_blocks_show_the_s3_and_the_cloudinary_url(self):
        env = s3_env()
        env.update({"STORAGE_MIRRORING": "true",
                    "CLOUDINARY_URL": CLOUDINARY.info["cloudinary_url"],
                    "CLOUDINARY_API_BASE_URL": CLOUDINARY.info["api_base_url"],
                    "CLOUDINARY_DELIVERY_BASE_URL": CLOUDINARY.info["delivery_base_url"]})
        server = Server(BINARY, **env).start()
        try:
            token = server.login()
            job_id = server.submit(token, JOB)
            self.assertEqual(server.wait_for(token, job_id)["status"], "completed")
            result = server.request("GET", "/result/" + job_id, token=token).json()
            for entry in result["block_urls"]:
                urls = entry["urls"]
                self.assertIn("X-Amz-Signature=", urls["primary_url"])
                self.assertRegex(urls["secondary_url"], r"^%s/%s/raw/upload/v\d+/jobs/%s/segments/"
                                 % (CLOUDINARY.info["delivery_base_url"],
                                    CLOUDINARY.info["cloud_name"], job_id))
                self.assertEqual(fetch(urls["secondary_url"])[1], fetch(urls["primary_url"])[1])
            self.assertEqual(server.request("DELETE", "/jobs/" + job_id, token=token).status, 200)
            self.assertEqual(bucket_objects(job_id), [])
            self.assertEqual(fetch(result["block_urls"][0]["urls"]["secondary_url"])[0], 404)
            # A failing mirror does not fail the job: logged and counted.
            fault = urllib.request.Request(
                "http://127.0.0.1:%d/__mock__/faults" % CLOUDINARY.info["port"],
                data=json.dumps({"kind": "server_error", "count": 99}).encode(), method="POST")
            urllib.request.urlopen(fault, timeout=10).close()
            try:
                second = server.submit(token, JOB)
                self.assertEqual(server.wait_for(token, second)["status"], "completed")
            finally:
                reset = urllib.request.Request(
                    "http://127.0.0.1:%d/__mock__/reset" % CLOUDINARY.info["port"], data=b"",
                    method="POST")
                urllib.request.urlopen(reset, timeout=10).close()
            metrics = server.request("GET", "/metrics", token=token).body.decode()
            self.assertIn('polyvox_storage_mirror_failures_total{operation="put"} 3', metrics)
            # The log is read from the server's stdout as it comes: waited for, not assumed.
            poll_until(lambda: any(e.get("msg") == "storage mirror failed"
                                   for e in server.logs()), 10, "the mirror's failure not logged")
            logs = json.dumps(server.logs())
            self.assertNotIn(CLOUDINARY.info["api_secret"], logs)
        finally:
            server.stop()
            server.close()


class StorageConfigurationTest(unittest.TestCase):
    def test_missing_settings_are_fatal_and_named(self):
        for env, variable in [({"STORAGE_BACKEND": "s3", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b"},
                               "S3_BUCKET_NAME"),
                              ({"STORAGE_BACKEND": "s3", "S3_BUCKET_NAME": "b", "S3_ACCESS_KEY": "a"},
                               "S3_SECRET_KEY"),
                              ({"STORAGE_BACKEND": "cloudinary"}, "CLOUDINARY_URL"),
                              ({"STORAGE_BACKEND": "cloudinary",
                                "CLOUDINARY_URL": "cloudinary://key-only@cloud"}, "CLOUDINARY_URL"),
                              ({"STORAGE_BACKEND": "gcs"}, "STORAGE_BACKEND")]:
            with tempfile.TemporaryDirectory() as data_dir:
                server = Server(BINARY, data_dir=data_dir, **env)
                out = subprocess.run([BINARY, "serve"], env=server.env, cwd=data_dir,
                                     capture_output=True, text=True, timeout=30)
                self.assertEqual(out.returncode, 2, out.stderr)
                self.assertIn(variable, out.stderr)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    TOOLS_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
