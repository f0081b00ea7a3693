"""A webhook receiver for the integration tests: an HTTP server on 127.0.0.1 (a free port) that
records every request it gets and answers each with the next step of its script: a status code,
or "hang" (read the request, answer nothing, keep the connection open until the client goes or
the receiver closes). Once the script is used up it answers 200.

Signatures are checked here with Python's own hmac, hashlib and base64, independently of the
C++ code that made them (Standard Webhooks: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>,
the key being the base64 part of the user's whsec_ secret)."""
import base64
import hashlib
import hmac
import http.server
import socket
import threading
import time

from polyvox_server import poll_until


def expected_signature(secret, webhook_id, timestamp, body):
    key = base64.b64decode(secret[len("whsec_"):])
    signed = webhook_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret, request, tolerance_s=300):
    """True when `request` carries a valid signature by `secret`, made within `tolerance_s`."""
    headers = request["headers"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    wanted = expected_signature(secret, headers["webhook-id"], timestamp, request["body"])
    # The header may hold several space-separated signatures (key rotation); ours sends one.
    return any(hmac.compare_digest(wanted, given) for given in headers["webhook-signature"].split())


class Receiver:
    def __init__(self, script=()):
        self.script = list(script)
        self.requests = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append({
                        "path": self.path, "body": body, "at": time.time(),
                        "headers": {k.lower(): v for k, v in self.headers.items()}})
                    step = receiver.script.pop(0) if receiver.script else 200
                if step == "hang":
                    receiver.closing.wait(120)
                    self.close_connection = True
                    return
                payload = b"received"
                self.send_response(step)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for_requests(self, count, timeout=60):
        """The requests once there are at least `count` of them (polls the outcome)."""
        def enough():
            with self.lock:
                return len(self.requests) >= count and list(self.requests)

        return poll_until(enough, timeout,
                          lambda: f"{len(self.requests)} webhook requests, expected {count}",
                          interval=0.02)

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


class SilentListener:
    """A listening socket that never accepts: any connection made to it waits in its queue,
    where pending_connections() finds it."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def pending_connections(self):
        self.socket.setblocking(False)
        count = 0
        while True:
            try:
                conn, _ = self.socket.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self):
        self.socket.close()
