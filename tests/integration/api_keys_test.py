#!/usr/bin/env python3
"""API keys end to end against the real `polyvox serve`: made with POST /api-keys or `polyvox keys
create` (shown once), listed without their secret, accepted as bearer credentials on the job
routes and refused on key management and the webhook secret, kept by a password change, ended by
revocation, expiry and user removal; in distributed mode, a key revoked on one API node is
refused by another within a second."""
import os
import re
import subprocess
import sys
import unittest
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polyvox_server import Server, decoded_samples, poll_until  # noqa: E402
from polyvox_server import seconds_until_refused as seconds_until  # noqa: E402
from redis_cluster import Cluster  # noqa: E402

BINARY = None
KEY_FORM = re.compile(r"^pvx_[A-Za-z0-9_-]{43}$")
JOB = {"blocks": [{"text": "Rendered for an API key.", "provider": "espeak", "wait_after_ms": 50}]}


def keys_cli(server, *args):
    return subprocess.run([BINARY, "keys", *args], env=server.env, cwd=server.data_dir,
                          capture_output=True, text=True)


def create_key(server, token, name="ci", **fields):
    res = server.request("POST", "/api-keys", {"name": name, **fields}, token=token)
    if res.status != 201:
        raise AssertionError(f"key not created: {res}")
    return res.json()


REQUEST_SLACK_S = 2.0  # polling and request time on top of the one-second cache, under load


def seconds_until_refused(server, key):
    """Polls GET /jobs with `key` until it answers 401; how long that took (from the call)."""
    return seconds_until(lambda: server.request("GET", "/jobs", token=key))


class EmbeddedKeysTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY).start()
        cls.admin = cls.server.login()
        assert cls.server.users("add", "carol", "--password", "carol-password").returncode == 0
        cls.carol = cls.server.login("carol", "carol-password")

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.server.close()
        assert code == 0, f"serve exited with {code}"

    def test_key_is_shown_once_and_listed_without_its_secret(self):
        made = self.server.request("POST", "/api-keys", {"name": "listing"}, token=self.carol)
        self.assertEqual(made.status, 201, made)
        self.assertEqual(made.headers.get("cache-control"), "no-store")
        body = made.json()
        self.assertRegex(body["key"], KEY_FORM)
        self.assertEqual(body["prefix"], body["key"][:10])
        self.assertEqual(body["name"], "listing")
        self.assertIsNone(body["expires_at"])
        self.assertIsNone(body["last_used_at"])
        listed = self.server.request("GET", "/api-keys", token=self.carol)
        self.assertEqual(listed.status, 200, listed)
        views = {k["id"]: k for k in listed.json()["keys"]}
        self.assertIn(body["id"], views)
        self.assertEqual(set(views[body["id"]]),
                         {"id", "name", "prefix", "created_at", "expires_at", "expired",
                          "last_used_at"})
        self.assertNotIn(body["key"][10:], listed.body.decode())
        # Another user's keys are not listed to carol.
        admins = create_key(self.server, self.admin, "admin's")
        self.assertNotIn(admins["id"], self.server.request(
            "GET", "/api-keys", token=self.carol).body.decode())

    def test_key_submits_polls_and_fetches_a_job(self):
        key = create_key(self.server, self.carol, "renderer")["key"]
        job_id = self.server.submit(key, JOB)
        status = self.server.wait_for(key, job_id)
        self.assertEqual(status["status"], "completed", status)
        audio = self.server.request("GET", f"/result/{job_id}/audio", token=key)
        self.assertEqual(audio.status, 200)
        samples, errors = decoded_samples(audio.body)
        self.assertEqual(errors, "")
        self.assertGreater(samples, 0)
        # The job is carol's, whichever credential she used.
        mine = self.server.request("GET", "/jobs", token=self.carol).json()["jobs"]
        self.assertIn(job_id, [j["job_id"] for j in mine])
        self.assertEqual(self.server.request("GET", f"/status/{job_id}",
                                             token=self.carol).status, 200)
        # Its use was recorded (once: the next uses within a minute write nothing).
        views = self.server.request("GET", "/api-keys", token=self.carol).json()["keys"]
        used = [k for k in views if k["name"] == "renderer"][0]
        self.assertIsNotNone(used["last_used_at"])

    def test_key_may_not_manage_keys_or_see_the_webhook_secret(self):
        key = create_key(self.server, self.carol, "limited")
        for method, path, body in (("POST", "/api-keys", {"name": "another"}),
                                   ("GET", "/api-keys", None),
                                   ("DELETE", f"/api-keys/{key['id']}", None),
                                   ("GET", "/webhook-secret", None),
                                   ("POST", "/webhook-secret/rotate", None)):
            res = self.server.request(method, path, body, token=key["key"])
            self.assertEqual(res.status, 403, (method, path, res))
            self.assertEqual(res.error_code(), "UNAUTHORIZED_ACCESS")
            self.assertIn("needs a token from /token", res.json()["error"]["message"])
        self.assertEqual(self.server.request("GET", "/webhook-secret", token=self.carol).status,
                         200)
        self.assertEqual(self.server.request("GET", "/jobs", token=key["key"]).status, 200)

    def test_invalid_requests_name_the_field(self):
        future = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        cases = [({}, "name"), ({"name": ""}, "name"), ({"name": 7}, "name"),
                 ({"name": "x" * 65}, "name"), ({"name": "a\u0007b"}, "name"),
                 ({"name": "ci", "expires_at": "tomorrow"}, "expires_at"),
                 ({"name": "ci", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
                 # The epoch parses to 0, the service's "never expires": refused like any past.
                 ({"name": "ci", "expires_at": "1970-01-01T00:00:00Z"}, "expires_at"),
                 ({"name": "ci", "expires_at": "1970-01-01T01:00:00+01:00"}, "expires_at"),
                 ({"name": "ci", "expires_at": "9999-01-01T00:00:00Z"}, "expires_at"),
                 ({"name": "ci", "expires_at": 12}, "expires_at"),
                 ({"name": "ci", "expires_in_days": 0}, "expires_in_days"),
                 ({"name": "ci", "expires_in_days": 3651}, "expires_in_days"),
                 ({"name": "ci", "expires_in_days": 1.5}, "expires_in_days"),
                 ({"name": "ci", "expires_in_days": 2 ** 70}, "expires_in_days"),
                 ({"name": "ci", "expires_in_days": 3, "expires_at": future}, "expires_in_days"),
                 ({"name": "ci", "scopes": ["all"]}, "scopes")]
        for body, field in cases:
            res = self.server.request("POST", "/api-keys", body, token=self.carol)
            self.assertEqual(res.status, 400, (body, res))
            self.assertEqual(res.error_code(), "VALIDATION_ERROR", body)
            self.assertEqual(res.json()["error"].get("field"), field, (body, res))
        self.assertEqual(self.server.request("POST", "/api-keys", "name=ci", {
            "Content-Type": "application/x-www-form-urlencoded"}, token=self.carol).status, 415)
        self.assertEqual(self.server.request("POST", "/api-keys", "{", {
            "Content-Type": "application/json"}, token=self.carol).status, 400)
        self.assertEqual(self.server.request("POST", "/api-keys", {"name": "x"}).status, 401)
        # Valid expiries: in days, as a date-time with an offset.
        in_days = create_key(self.server, self.carol, "days", expires_in_days=30)
        expires = datetime.fromisoformat(in_days["expires_at"].replace("Z", "+00:00"))
        self.assertAlmostEqual((expires - datetime.now(timezone.utc)).total_seconds(),
                               30 * 86400, delta=60)
        at = create_key(self.server, self.carol, "at", expires_at="2031-05-01T14:00:00+02:00")
        self.assertEqual(at["expires_at"], "2031-05-01T12:00:00.000Z")
        self.assertFalse(at["expired"])

    def test_revoked_key_is_refused_at_once(self):
        key = create_key(self.server, self.carol, "short-lived")
        self.assertEqual(self.server.request("GET", "/jobs", token=key["key"]).status, 200)
        res = self.server.request("DELETE", f"/api-keys/{key['id']}", token=self.carol)
        self.assertEqual(res.status, 200, res)
        self.assertEqual(res.json(), {"id": key["id"], "revoked": True})
        refused = self.server.request("GET", "/jobs", token=key["key"])
        self.assertEqual(refused.status, 401, refused)
        self.assertEqual(refused.headers.get("www-authenticate"), "Bearer")
        again = self.server.request("DELETE", f"/api-keys/{key['id']}", token=self.carol)
        self.assertEqual(again.status, 404)
        self.assertEqual(again.error_code(), "API_KEY_NOT_FOUND")

    def test_only_the_owner_or_an_admin_sees_and_revokes_a_key(self):
        carols = create_key(self.server, self.carol, "carol's")
        admins = create_key(self.server, self.admin, "admin's")
        self.assertEqual(self.server.request("DELETE", f"/api-keys/{admins['id']}",
                                             token=self.carol).status, 404)
        self.assertEqual(self.server.request("GET", "/jobs", token=admins["key"]).status, 200)
        self.assertEqual(self.server.request("GET", "/api-keys?owner=admin",
                                             token=self.carol).status, 403)
        self.assertEqual(self.server.request("GET", "/api-keys?owner=carol",
                                             token=self.carol).status, 200)
        for owner in ("carol", self._user_id("carol")):
            listed = self.server.request("GET", f"/api-keys?owner={owner}", token=self.admin)
            self.assertIn(carols["id"], [k["id"] for k in listed.json()["keys"]], owner)
        self.assertEqual(self.server.request("DELETE", f"/api-keys/{carols['id']}",
                                             token=self.admin).status, 200)
        self.assertEqual(self.server.request("GET", "/jobs", token=carols["key"]).status, 401)

    def _user_id(self, name):
        for line in self.server.users("list").stdout.splitlines():
            fields = line.split("\t")
            if fields[0] == name:
                return fields[2]
        raise AssertionError(f"no user {name}")

    def test_password_change_keeps_keys_and_removal_ends_them(self):
        self.assertEqual(self.server.users("add", "dave", "--password", "dave-password")
                         .returncode, 0)
        token = self.server.login("dave", "dave-password")
        key = create_key(self.server, token, "dave's")["key"]
        self.assertEqual(self.server.users("passwd", "dave", "--password", "dave-password-2")
                         .returncode, 0)
        # The change was made by another process: tokens are refused within a second...
        poll_until(lambda: self.server.request("GET", "/jobs", token=token).status == 401, 3,
                   "the old password's token still works", interval=0.01)
        self.assertEqual(self.server.request("GET", "/jobs", token=token).status, 401)
        # ...the key is not.
        self.assertEqual(self.server.request("GET", "/jobs", token=key).status, 200)
        job_id = self.server.submit(key, JOB)
        self.assertEqual(self.server.request("GET", f"/status/{job_id}", token=key).status, 200)
        self.assertEqual(self.server.users("remove", "dave").returncode, 0)
        self.assertLessEqual(seconds_until_refused(self.server, key), 1.0 + REQUEST_SLACK_S)

    def test_cli_makes_lists_and_revokes_keys(self):
        made = keys_cli(self.server, "create", "deploy", "--user", "carol",
                        "--expires-in-days", "30")
        self.assertEqual(made.returncode, 0, made.stderr)
        key = made.stdout.strip()
        self.assertRegex(key, KEY_FORM)
        self.assertEqual(made.stdout, key + "\n")  # the key alone on stdout
        self.assertNotIn(key, made.stderr)
        self.assertIn("deploy", made.stderr)
        listed = keys_cli(self.server, "list", "--user", "carol")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertNotIn(key[10:], listed.stdout)
        lines = [line.split("\t") for line in listed.stdout.splitlines()]
        mine = [fields for fields in lines if fields[3] == "deploy"]
        self.assertEqual(len(mine), 1, listed.stdout)
        key_id, prefix, user, _, _, expires, _ = mine[0]
        self.assertEqual((prefix, user), (key[:10], "carol"))
        self.assertNotEqual(expires, "never")
        everyone = keys_cli(self.server, "list")
        self.assertIn(key_id, everyone.stdout)
        # The key works on the running server, until revoked by the CLI (another process).
        self.assertEqual(self.server.request("GET", "/jobs", token=key).status, 200)
        revoked = keys_cli(self.server, "revoke", key_id)
        self.assertEqual(revoked.returncode, 0, revoked.stderr)
        self.assertEqual(revoked.stdout, "")
        self.assertLessEqual(seconds_until_refused(self.server, key), 1.0 + REQUEST_SLACK_S)
        # Without --user, the key is the administrator's (ADMIN_USERNAME).
        admins = keys_cli(self.server, "create", "ops")
        self.assertEqual(admins.returncode, 0, admins.stderr)
        self.assertIn("for admin", admins.stderr)

    def test_cli_refuses_bad_input_with_exit_2(self):
        for args in (("create", ""), ("create", "x" * 65), ("create", "ci", "--user", "nobody"),
                     ("create", "ci", "--expires-in-days", "0"),
                     ("create", "ci", "--expires-in-days", "many"),
                     ("revoke", "00000000-0000-4000-8000-000000000000"),
                     ("list", "--user", "nobody"), ("frobnicate",)):
            out = keys_cli(self.server, *args)
            self.assertEqual(out.returncode, 2, (args, out.stderr))
            self.assertEqual(out.stdout, "", args)
            self.assertNotEqual(out.stderr, "", args)


class DistributedKeysTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(BINARY, apis=2, workers=1)
        self.api_a, self.api_b = self.cluster.apis

    def tearDown(self):
        output = self.cluster.workers[0].output()[-2000:]
        codes = self.cluster.close()
        self.assertEqual(codes, [0], output)

    def test_key_works_on_every_node_and_its_revocation_reaches_them_within_a_second(self):
        token = self.api_a.login()
        key = create_key(self.api_a, token, "fleet")
        job_id = self.api_b.submit(key["key"], JOB)
        status = self.api_a.wait_for(key["key"], job_id)
        self.assertEqual(status["status"], "completed", status)
        # Node B has the key verified (in its cache) right before node A revokes it.
        self.assertEqual(self.api_b.request("GET", f"/status/{job_id}",
                                            token=key["key"]).status, 200)
        revoked = self.api_a.request("DELETE", f"/api-keys/{key['id']}", token=token)
        self.assertEqual(revoked.status, 200, revoked)
        self.assertEqual(self.api_a.request("GET", "/jobs", token=key["key"]).status, 401)
        elapsed = seconds_until_refused(self.api_b, key["key"])
        print(f"\nrevocation on node A refused by node B after {elapsed * 1000:.0f} ms",
              file=sys.stderr)
        # The bound itself (a verified key is trusted for at most a second) is asserted on a
        # manual clock (ApiKeyServiceTest.RevocationElsewhereIsSeenWithinASecond); here, across
        # two real nodes on a loaded machine, the refusal must come with that second plus the
        # requests' own time, not after a cache that never expires.
        self.assertLessEqual(elapsed, 1.0 + REQUEST_SLACK_S)

    def test_password_change_keeps_keys_and_removal_ends_them_on_every_node(self):
        self.assertEqual(self.api_a.users("add", "erin", "--password", "erin-password")
                         .returncode, 0)
        token = self.api_a.login("erin", "erin-password")
        key = create_key(self.api_b, token, "erin's")["key"]
        listed = keys_cli(self.api_a, "list", "--user", "erin")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("erin's", listed.stdout)
        self.api_b.users("passwd", "erin", "--password", "erin-password-2")
        self.assertEqual(self.api_a.request("GET", "/jobs", token=token).status, 401)
        for api in (self.api_a, self.api_b):
            self.assertEqual(api.request("GET", "/jobs", token=key).status, 200)
        self.api_a.users("remove", "erin")
        for api in (self.api_a, self.api_b):
            self.assertLessEqual(seconds_until_refused(api, key), 1.0 + REQUEST_SLACK_S)
        self.assertEqual(keys_cli(self.api_a, "list", "--user", "erin").returncode, 2)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
