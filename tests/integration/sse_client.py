"""A small server-sent events client for the tests: reads a text/event-stream response as it
arrives (http.client, which undoes the chunked framing) and parses it as the HTML standard says
(fields id, event, data, retry; comment lines ignored; an event dispatched at a blank line).
Every read has a timeout and every stream a deadline (heartbeats would keep a read timeout from
firing), so a stream that stops short or never ends fails the test instead of hanging it."""
import http.client
import json
import time


class Event:
    def __init__(self, name, id, data, retry=None):
        self.name = name  # "message" when the frame has no event: field
        self.id = id      # the frame's id, None when it has none
        self.data = data  # parsed JSON when the data is JSON, else the text
        self.retry = retry

    def __repr__(self):
        return f"<{self.name} id={self.id} {json.dumps(self.data)[:200]}>"


class Stream:
    """One GET of an event stream. `status` and `headers` are the response's; events() yields the
    events until the server ends the body."""

    def __init__(self, port, path, token=None, last_event_id=None, timeout=60, deadline=120,
                 host="127.0.0.1"):
        self.deadline = time.monotonic() + deadline
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = "Bearer " + token
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.headers = {k.lower(): v for k, v in self.response.getheaders()}
        self.retry = None     # the last retry: field seen
        self.comments = 0     # comment lines seen (heartbeats)
        self.ended = False    # the server ended the body (as opposed to the test closing it)

    def body(self):
        """The whole body of a response that is not a stream (an error)."""
        return self.response.read()

    def json(self):
        return json.loads(self.body())

    def events(self):
        name, data, id, retry = None, [], None, None
        while True:
            if time.monotonic() > self.deadline:
                raise AssertionError("the event stream is still open past its deadline")
            line = self.response.readline()  # raises socket.timeout when the server goes quiet
            if not line:
                self.ended = True
                return
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data or name or id is not None:
                    text = "\n".join(data)
                    try:
                        parsed = json.loads(text)
                    except ValueError:
                        parsed = text
                    yield Event(name or "message", id, parsed, retry)
                name, data, id, retry = None, [], None, None
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                id = value
            elif field == "retry":
                self.retry = int(value)
                retry = self.retry

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


TERMINAL = ("job.completed", "job.failed", "job.cancelled")


def follow_job(port, job_id, token, last_event_id=None, timeout=60, max_connections=20):
    """Follows one job's events to its end as a browser's EventSource would: whenever the stream
    ends before the job's final event, it connects again with the last id seen. Returns
    (events without the snapshot(s), the snapshots, the number of connections made)."""
    events, snapshots, connections = [], [], 0
    while connections < max_connections:
        connections += 1
        with Stream(port, f"/jobs/{job_id}/events", token, last_event_id, timeout) as stream:
            if stream.status == 204:
                return events, snapshots, connections
            if stream.status != 200:
                raise AssertionError(f"GET /jobs/{job_id}/events: {stream.status} {stream.body()}")
            for event in stream.events():
                if event.id is not None:
                    last_event_id = event.id
                if event.name == "snapshot":
                    snapshots.append(event)
                    continue
                events.append(event)
                if event.name in TERMINAL:
                    return events, snapshots, connections
    raise AssertionError(f"job {job_id}: no end after {connections} connections")
