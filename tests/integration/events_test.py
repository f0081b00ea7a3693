#!/usr/bin/env python3
"""Job events as server-sent events, through the real `polyvox serve` (and, in distributed mode,
two API nodes and a worker on a real redis-server): a 20-block job whose vendor fails twice and
then succeeds gives its events in order without a gap (every block done and placed once, placed
in index order at offsets that agree with the manifest, job.completed last); a client whose
connection dropped resumes with Last-Event-ID and gets exactly the rest; someone else's job
answers as /status does; GET /events shows the caller's jobs (admins' ?all=true everyone's); a
client on one API node follows a job submitted on the other to its end."""
import os
import sys
import threading
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import mock_vendors  # noqa: E402
from polyvox_server import Server  # noqa: E402
from redis_cluster import Cluster  # noqa: E402
from sse_client import TERMINAL, Stream, follow_job  # noqa: E402

BINARY = None
BLOCK_EVENTS = ("block.processing", "block.retrying", "block.done", "block.failed",
                "block.placed")


def vendor_job(blocks):
    return {"blocks": [{"text": f"Sentence number {i} of the job.", "provider": "openai",
                        "voice": "alloy" if i % 2 else "nova", "cache": False,
                        "wait_after_ms": 40 * (i % 4)} for i in range(blocks)]}


def local_job(blocks, provider="espeak"):
    return {"blocks": [{"text": f"Block {i} said locally.", "provider": provider,
                        "wait_after_ms": 50} for i in range(blocks)]}


def summary(events):
    """What a client saw, comparable between clients and API nodes: (id, name, data) of each
    event, result URLs without their origin (each node names itself)."""
    def data(event):
        if isinstance(event.data, dict) and "result_url" in event.data:
            return dict(event.data, result_url=urllib.parse.urlsplit(event.data["result_url"]).path)
        return event.data
    return [(e.id, e.name, data(e)) for e in events]


class Reader(threading.Thread):
    """Reads a stream on its own thread, up to `until(event)` or the stream's end."""

    def __init__(self, stream, until=lambda event: False):
        super().__init__(daemon=True)
        self.stream, self.until = stream, until
        self.events, self.error = [], None
        self.start()

    def run(self):
        try:
            for event in self.stream.events():
                self.events.append(event)
                if self.until(event):
                    return
        except Exception as e:  # noqa: BLE001 - reported by result()
            self.error = e

    def result(self, timeout=120):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError("the stream did not reach its end in time")
        if self.error:
            raise self.error
        return self.events


class EventLogChecks:
    """Checks on the whole log of one completed job, as a client reads it."""

    def check_complete_log(self, events, job_id, blocks, server, token):
        self.assertEqual([int(e.id) for e in events], list(range(1, len(events) + 1)),
                         "ids 1, 2, 3... without a gap")
        for event in events:
            self.assertIn(event.name, BLOCK_EVENTS + TERMINAL, event)
            self.assertEqual(event.data["job_id"], job_id, event)
        self.assertEqual(events[-1].name, "job.completed", events[-3:])
        self.assertEqual([e.name for e in events].count("job.completed"), 1)

        done = {}
        placed = []
        for position, event in enumerate(events):
            index = event.data.get("index")
            if event.name == "block.done":
                self.assertNotIn(index, done, f"block {index} done twice")
                done[index] = (position, event.data)
            elif event.name == "block.placed":
                placed.append((position, event.data))
                # Placed once every block up to it is done.
                for earlier in range(index + 1):
                    self.assertIn(earlier, done, f"block {index} placed before {earlier} done")
                    self.assertLess(done[earlier][0], position)
        self.assertEqual(sorted(done), list(range(blocks)))
        self.assertEqual([p["index"] for _, p in placed], list(range(blocks)),
                         "each block placed once, in index order")
        # Each block starts where the one before ends.
        offset = 0.0
        for _, p in placed:
            self.assertAlmostEqual(p["offset_ms"], offset, delta=0.002, msg=p)
            block = done[p["index"]][1]
            offset = p["offset_ms"] + block["speech_ms"] + block["pause_ms"]
        completed = events[-1].data
        self.assertAlmostEqual(completed["duration_ms"], offset, delta=0.002)

        # The same times as the manifest of the final file, and the same result URL as /status.
        status = server.request("GET", f"/status/{job_id}", token=token).json()
        self.assertEqual(completed["result_url"], status["result_url"])
        self.assertTrue(completed["result_url"].endswith(f"/result/{job_id}/audio"))
        manifest = server.request("GET", f"/result/{job_id}", token=token).json()["manifest"]
        self.assertEqual(completed["duration_ms"], manifest["duration_ms"])
        for (_, p), block in zip(placed, manifest["blocks"]):
            self.assertEqual(p["offset_ms"], block["offset_ms"], block)
            self.assertEqual(done[p["index"]][1]["speech_ms"], block["speech_ms"], block)
            self.assertEqual(done[p["index"]][1]["pause_ms"], block["pause_ms"], block)
            self.assertEqual(done[p["index"]][1]["provider"], block["provider"], block)
            self.assertEqual(done[p["index"]][1]["voice"], block["voice"], block)
        return done


class SingleNodeEventsTest(unittest.TestCase, EventLogChecks):
    @classmethod
    def setUpClass(cls):
        cls.openai = mock_vendors.OpenAiMock().start()
        cls.server = Server(BINARY, **mock_vendors.provider_env({"openai": cls.openai}),
                            TASK_MAX_RETRIES=3, TASK_RETRY_DELAY_SECONDS=0,
                            WORKER_CONCURRENCY=4).start()
        cls.token = cls.server.login()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.openai.stop()

    def setUp(self):
        self.openai.reset()

    def user(self, name):
        """A token of a new non-admin user `name`."""
        made = self.server.users("add", name, "--password", name + "-password")
        self.assertEqual(made.returncode, 0, made.stderr)
        return self.server.login(name, name + "-password")

    def test_a_failing_then_succeeding_vendor_gives_every_event_in_order_and_resumes(self):
        self.openai.fail_next("server_error", count=2, status=503)
        self.openai.delay_s = 0.05  # the job lasts long enough for a client to drop mid-way
        job_id = self.server.submit(self.token, vendor_job(20))
        port = self.server.port

        # Client A reads from the snapshot to the end without interruption.
        a = Stream(port, f"/jobs/{job_id}/events", self.token)
        self.assertEqual(a.status, 200)
        self.assertTrue(a.headers["content-type"].startswith("text/event-stream"), a.headers)
        self.assertEqual(a.headers.get("cache-control"), "no-store")
        reader_a = Reader(a)
        # Client B drops its connection after a few events, then resumes with Last-Event-ID.
        with Stream(port, f"/jobs/{job_id}/events", self.token) as b:
            first_part = []
            for event in b.events():
                first_part.append(event)
                if len(first_part) == 6:
                    break
        self.assertEqual(first_part[0].name, "snapshot")
        resumed, snapshots, connections = follow_job(port, job_id, self.token,
                                                     last_event_id=first_part[-1].id)
        self.assertEqual(snapshots, [], "a resumed stream starts with what was missed")
        self.assertEqual(connections, 1)
        self.assertEqual(int(resumed[0].id), int(first_part[-1].id) + 1)

        seen_by_a = reader_a.result()
        a.close()
        self.assertTrue(a.ended, "the stream ends after job.completed")
        snapshot = seen_by_a[0]
        self.assertEqual(snapshot.name, "snapshot")
        self.assertEqual(snapshot.data["job_id"], job_id)
        self.assertEqual(len(snapshot.data["blocks"]), 20)
        after_snapshot = seen_by_a[1:]
        self.assertEqual([int(e.id) for e in after_snapshot],
                         list(range(int(snapshot.id) + 1, int(snapshot.id) + 1 + len(after_snapshot))),
                         "ids consecutive after the snapshot's")
        self.assertEqual(after_snapshot[-1].name, "job.completed")
        b_snapshot = int(first_part[0].id)
        self.assertEqual(summary(first_part[1:] + resumed),
                         summary([e for e in after_snapshot if int(e.id) > b_snapshot]),
                         "the resumed client saw exactly what the uninterrupted one saw")

        # The whole log, replayed after the end, holds the events before the snapshot too.
        log, snapshots, _ = follow_job(port, job_id, self.token, last_event_id=0)
        self.assertEqual(snapshots, [])
        self.assertEqual(summary(log[int(snapshot.id):]), summary(after_snapshot))
        done = self.check_complete_log(log, job_id, 20, self.server, self.token)
        retries = [e for e in log if e.name == "block.retrying"]
        self.assertEqual(len(retries), 2, retries)
        self.assertEqual(self.openai.request_count(), 22)
        for retry in retries:
            self.assertEqual(retry.data["attempt"], 1)
            self.assertGreaterEqual(retry.data["delay_ms"], 0)
            self.assertIn("503", retry.data["reason"])
            self.assertIn(retry.data["index"], done)
            again = [e for e in log if e.name == "block.processing"
                     and e.data["index"] == retry.data["index"] and e.data["attempt"] == 2]
            self.assertEqual(len(again), 1, "retried once, as attempt 2")
        for index, (_, data) in done.items():
            self.assertEqual(data["provider"], "openai")
            self.assertFalse(data["cached"])
            self.assertGreater(data["speech_ms"], 0)

        # Coming back after the end: nothing more, and told so (EventSource stops on 204).
        with Stream(port, f"/jobs/{job_id}/events", self.token, last_event_id=log[-1].id) as end:
            self.assertEqual(end.status, 204)
        # Without Last-Event-ID, a finished job's stream is its snapshot alone.
        with Stream(port, f"/jobs/{job_id}/events", self.token) as again:
            events = list(again.events())
            self.assertTrue(again.ended)
        self.assertEqual([e.name for e in events], ["snapshot"])
        self.assertEqual(events[0].id, log[-1].id)
        self.assertEqual(events[0].data["status"], "completed")

    def test_an_unknown_or_unusable_last_event_id_starts_with_a_snapshot(self):
        job_id = self.server.submit(self.token, local_job(2))
        follow_job(self.server.port, job_id, self.token)
        for bad in ("999999", "abc", "-1", "1.5"):
            with Stream(self.server.port, f"/jobs/{job_id}/events", self.token, bad) as s:
                self.assertEqual(s.status, 200)
                self.assertEqual([e.name for e in s.events()], ["snapshot"], bad)

    def test_someone_elses_job_answers_as_status_does(self):
        job_id = self.server.submit(self.token, local_job(1))
        other = self.user("mallory")
        for token, expected in ((other, 403), (None, 401)):
            status = self.server.request("GET", f"/status/{job_id}", token=token)
            self.assertEqual(status.status, expected)
            with Stream(self.server.port, f"/jobs/{job_id}/events", token) as events:
                self.assertEqual(events.status, status.status)
                self.assertEqual(events.json()["error"], status.json()["error"])
        missing = "00000000-0000-4000-8000-000000000000"
        status = self.server.request("GET", f"/status/{missing}", token=self.token)
        with Stream(self.server.port, f"/jobs/{missing}/events", self.token) as events:
            self.assertEqual((events.status, events.json()), (status.status, status.json()))
        self.assertEqual(status.status, 404)
        # The owner may follow it, and so may an admin (as for /status).
        owned = self.server.submit(other, local_job(1))
        for token in (other, self.token):
            events, snapshots, _ = follow_job(self.server.port, owned, token)
            ended = events[-1].name == "job.completed" if events else \
                snapshots[-1].data["status"] == "completed"  # finished before the snapshot
            self.assertTrue(ended, (events, snapshots))

    def test_events_shows_the_callers_jobs_and_admins_all_of_them(self):
        alice, bob = self.user("alice"), self.user("bob")
        port = self.server.port

        def completion_of(job_id):
            return lambda e: e.name == "job.completed" and e.data["job_id"] == job_id

        alices_stream = Stream(port, "/events", alice)
        admins_own = Stream(port, "/events", self.token)
        everyone = Stream(port, "/events?all=true", self.token)
        for stream in (alices_stream, admins_own, everyone):
            self.assertEqual(stream.status, 200)

        # Bob's job first, to its end; then Alice's; then the admin's own.
        bobs = self.server.submit(bob, local_job(2))
        everyone_reader = Reader(everyone, completion_of(bobs))
        everyone_reader.result()
        alices = self.server.submit(alice, local_job(3))
        alice_saw = Reader(alices_stream, completion_of(alices)).result()
        admins = self.server.submit(self.token, local_job(1))
        admin_saw = Reader(admins_own, completion_of(admins)).result()
        everyone_saw = everyone_reader.events + Reader(everyone, completion_of(admins)).result()
        for stream in (alices_stream, admins_own, everyone):
            stream.close()

        self.assertEqual({e.data["job_id"] for e in alice_saw}, {alices})
        self.assertEqual({e.data["job_id"] for e in admin_saw}, {admins})
        self.assertEqual({e.data["job_id"] for e in everyone_saw}, {bobs, alices, admins})
        # Ids name the job and its seq; each job's seqs run 1, 2, 3... on every stream.
        for saw in (alice_saw, admin_saw, everyone_saw):
            by_job = {}
            for event in saw:
                job, _, seq = event.id.rpartition("/")
                self.assertEqual(job, event.data["job_id"])
                by_job.setdefault(job, []).append(int(seq))
            for job, seqs in by_job.items():
                self.assertEqual(seqs, list(range(1, len(seqs) + 1)), job)

        # Only admins may ask for everyone's; all= is true or false.
        with Stream(port, "/events?all=true", bob) as refused:
            self.assertEqual(refused.status, 403)
            self.assertEqual(refused.json()["error"]["code"], "FORBIDDEN")
        with Stream(port, "/events?all=yes", self.token) as invalid:
            self.assertEqual(invalid.status, 400)
        with Stream(port, "/events") as anonymous:
            self.assertEqual(anonymous.status, 401)

    def test_events_opens_with_snapshots_of_the_callers_unfinished_jobs(self):
        carol = self.user("carol")
        self.openai.delay_s = 1.0  # slow enough for the job to be unfinished at the snapshot
        job_id = self.server.submit(carol, vendor_job(3))
        with Stream(self.server.port, "/events", carol) as stream:
            first = next(stream.events())
        self.assertEqual(first.name, "snapshot")
        self.assertEqual(first.data["job_id"], job_id)
        self.assertTrue(first.id.startswith(job_id + "/"), first.id)
        follow_job(self.server.port, job_id, carol)


    def test_events_resumed_shows_a_job_that_ended_while_the_client_was_away(self):
        dave, erin = self.user("dave"), self.user("erin")
        self.openai.delay_s = 1.0  # slow enough for the job to be unfinished at the snapshot
        job_id = self.server.submit(dave, vendor_job(2))
        with Stream(self.server.port, "/events", dave) as stream:
            first = next(stream.events())
        self.assertEqual(first.name, "snapshot")
        self.assertIn(first.data["status"], ("queued", "processing"))
        follow_job(self.server.port, job_id, dave)  # it ends while nobody follows /events
        # An unfinished job of each user, held by the vendor until the end of the test.
        self.openai.delay_s = 0.0
        self.openai.fail_next("hold", count=2)
        pending = {dave: self.server.submit(dave, vendor_job(1)),
                   erin: self.server.submit(erin, vendor_job(1))}
        for token, pending_id in pending.items():
            self.addCleanup(follow_job, self.server.port, pending_id, token)
        self.addCleanup(self.openai.release)

        def opening(token, last_event_id):
            """The snapshots a (re)connection opens with, by job id: read up to the first
            event of a job submitted once the stream is open (a live one, after them)."""
            with Stream(self.server.port, "/events", token, last_event_id=last_event_id) as s:
                marker = self.server.submit(token, local_job(1))
                shown = {}
                for event in s.events():
                    if event.name == "snapshot":
                        shown[event.data["job_id"]] = event.data["status"]
                    elif event.data.get("job_id") == marker:
                        follow_job(self.server.port, marker, token)
                        return shown
            self.fail("the stream ended")

        resumed = opening(dave, first.id)
        self.assertEqual(resumed.get(job_id), "completed", resumed)
        self.assertIn(pending[dave], resumed)
        # An id of someone else's job, of an event that never was, or no id at all: only the
        # unfinished jobs are shown; nothing of another user's job is revealed.
        for token, bad in ((erin, first.id), (dave, job_id + "/999"), (dave, "nonsense"),
                           (dave, None)):
            shown = opening(token, bad)
            self.assertNotIn(job_id, shown, bad)
            self.assertIn(pending[token], shown, bad)


class DistributedEventsTest(unittest.TestCase, EventLogChecks):
    def setUp(self):
        self.cluster = Cluster(BINARY, apis=2, workers=1)
        self.api_a, self.api_b = self.cluster.apis

    def tearDown(self):
        output = self.cluster.workers[0].output()[-2000:]
        codes = self.cluster.close()
        self.assertEqual(codes, [0], output)

    def test_a_client_on_another_node_follows_a_job_to_its_end(self):
        token = self.api_a.login()
        # Node B hears of jobs submitted on node A: all of the caller's, and one by one.
        everything_on_b = Stream(self.api_b.port, "/events", token)
        self.assertEqual(everything_on_b.status, 200)
        job_id = self.api_a.submit(token, local_job(10))
        reader = Reader(everything_on_b,
                        lambda e: e.name == "job.completed" and e.data["job_id"] == job_id)
        events, snapshots, connections = follow_job(self.api_b.port, job_id, token)
        self.assertEqual(events[-1].name, "job.completed")
        if snapshots:  # the first connection's; any later one resumed with Last-Event-ID
            first_id = int(snapshots[0].id) + 1
            self.assertEqual([int(e.id) for e in events],
                             list(range(first_id, first_id + len(events))))
        heard_on_b = reader.result()
        everything_on_b.close()
        self.assertEqual(heard_on_b[-1].name, "job.completed")

        log, _, _ = follow_job(self.api_b.port, job_id, token, last_event_id=0)
        self.check_complete_log(log, job_id, 10, self.api_b, token)
        self.assertEqual(summary(log[len(log) - len(events):]), summary(events))
        # /events was open before the job existed: it heard every event of it, live.
        self.assertEqual(summary(heard_on_b),
                         [(f"{job_id}/{id}", name, data) for id, name, data in summary(log)])
        # And node A tells the same story.
        from_a, _, _ = follow_job(self.api_a.port, job_id, token, last_event_id=0)
        self.assertEqual(summary(from_a), summary(log))


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
