"""A mock of Cloudinary's Upload API and delivery CDN for the `raw` resource type, as
docs/providers.md describes them. Python 3 standard library only; run with Debian's
/usr/bin/python3.

It checks what Cloudinary checks: the api_key, the timestamp (within an hour) and the signature
(every parameter except file, cloud_name, resource_type, api_key and signature, sorted by name,
joined as name=value with '&', the api_secret appended, SHA-1 in hex). It stores the bytes under
the public_id with a version, serves them at
    {delivery}/{cloud}/raw/upload/v{version}/{public_id}   (a wrong version is 404: stricter
    {delivery}/{cloud}/raw/upload/{public_id}              than Cloudinary, to catch stale URLs)
with HEAD and single Range requests, and answers destroy with {"result": "ok" | "not found"}.

Out-of-process use: `python3 mock_cloudinary.py` prints one JSON line
    {"port", "cloud_name", "api_key", "api_secret", "cloudinary_url", "api_base_url",
     "delivery_base_url"}
and serves until its stdin closes. Control endpoints:
    POST /__mock__/faults    {"kind": "rate_limit" | "server_error" | "error", "count": n,
                              "status": 500, "message": "...", "scope": "api" | "delivery"}
                             queue a fault for the next API calls (upload, destroy; default) or
                             delivery requests
    GET  /__mock__/requests  the request log: [{method, path, headers, fields, range}]
    GET  /__mock__/assets    {public_id: {"version", "bytes"}}
    POST /__mock__/reset     clear the log, the faults and the assets
"""
import email.utils
import hashlib
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse

CLOUD = "polyvox-test"
API_KEY = "614935288867123"
API_SECRET = "mock-secret-Xq3vT9pLw2"
EXCLUDED_FROM_SIGNATURE = {"file", "cloud_name", "resource_type", "api_key", "signature"}


def signature_of(params, secret):
    text = "&".join("%s=%s" % (k, params[k]) for k in sorted(params)
                    if k not in EXCLUDED_FROM_SIGNATURE)
    return hashlib.sha1((text + secret).encode()).hexdigest(), text


def parse_multipart(body, content_type):
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return None
    boundary = b"--" + match.group(1).encode()
    fields = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.partition(b"\r\n\r\n")
        value = value[:-2] if value.endswith(b"\r\n") else value
        name = re.search(rb'name="([^"]*)"', head)
        if not name:
            continue
        key = name.group(1).decode()
        fields[key] = value if key == "file" else value.decode()
    return fields


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.assets = {}  # public_id -> {"version", "bytes", "etag", "modified"}
        self.log = []
        self.faults = []
        self.last_version = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-cloudinary/1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, fmt, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def reply(self, status, body=b"", content_type="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, message, headers=None):
        self.reply(status, {"error": {"message": message}}, headers=headers)

    def take_fault(self, scope):
        with self.state.lock:
            for i, fault in enumerate(self.state.faults):
                if fault.get("scope", "api") == scope:
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        del self.state.faults[i]
                    return fault
        return None

    def apply_fault(self, fault):
        kind = fault["kind"]
        if kind == "rate_limit":
            self.error(420, fault.get("message", "Rate Limit Exceeded"),
                       {"Retry-After": str(fault.get("retry_after", 1))})
        elif kind == "server_error":
            self.error(fault.get("status", 500), fault.get("message", "General Error"))
        else:
            self.error(fault.get("status", 400), fault.get("message", "Bad request"))

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/__mock__/"):
            return self.control(path, body)
        api = re.fullmatch(r"/v1_1/([^/]+)/([^/]+)/(upload|destroy)", path)
        if api and self.command == "POST":
            return self.api_call(api.group(1), api.group(2), api.group(3), body)
        delivery = re.fullmatch(r"/([^/]+)/raw/upload/(?:v(\d+)/)?(.+)", path)
        if delivery and self.command in ("GET", "HEAD"):
            return self.deliver(delivery.group(1), delivery.group(2),
                                urllib.parse.unquote(delivery.group(3)))
        self.error(404, "Resource not found - " + path)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve

    def control(self, path, body):
        state = self.state
        if path == "/__mock__/faults" and self.command == "POST":
            fault = json.loads(body or b"{}")
            fault.setdefault("count", 1)
            with state.lock:
                state.faults.append(fault)
            return self.reply(200, {"queued": True})
        if path == "/__mock__/requests":
            with state.lock:
                return self.reply(200, list(state.log))
        if path == "/__mock__/assets":
            with state.lock:
                return self.reply(200, {k: {"version": v["version"], "bytes": len(v["bytes"])}
                                        for k, v in state.assets.items()})
        if path == "/__mock__/reset" and self.command == "POST":
            with state.lock:
                state.assets.clear()
                state.log.clear()
                state.faults.clear()
            return self.reply(200, {"reset": True})
        self.error(404, "no such control endpoint")

    def record(self, fields):
        entry = {"method": self.command, "path": urllib.parse.urlsplit(self.path).path,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "fields": {k: (v if isinstance(v, str) else "<%d bytes>" % len(v))
                            for k, v in (fields or {}).items()},
                 "range": self.headers.get("Range")}
        with self.state.lock:
            self.state.log.append(entry)

    def api_call(self, cloud, resource_type, action, body):
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            fields = parse_multipart(body, content_type) or {}
        else:
            fields = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        self.record(fields)
        fault = self.take_fault("api")
        if fault:
            return self.apply_fault(fault)
        if cloud != CLOUD:
            return self.error(404, "cloud_name %s not found" % cloud)
        if resource_type != "raw":
            return self.error(400, "this mock stores raw files only")
        if fields.get("api_key") != API_KEY:
            return self.error(401, "Unknown API key %s" % fields.get("api_key", ""))
        try:
            timestamp = int(fields.get("timestamp", ""))
        except ValueError:
            return self.error(400, "Missing required parameter - timestamp")
        if abs(time.time() - timestamp) > 3600:
            return self.error(400, "Stale request - reported time is %d which is more than 1 "
                                   "hour ago" % timestamp)
        params = {k: v for k, v in fields.items() if isinstance(v, str)}
        expected, text = signature_of(params, API_SECRET)
        if fields.get("signature") != expected:
            return self.error(401, "Invalid Signature %s. String to sign - '%s'." %
                              (fields.get("signature", ""), text))
        public_id = fields.get("public_id")
        if action == "destroy":
            with self.state.lock:
                found = self.state.assets.pop(public_id, None)
            return self.reply(200, {"result": "ok" if found else "not found"})
        data = fields.get("file")
        if not isinstance(data, bytes):
            return self.error(400, "Missing required parameter - file")
        if not public_id:
            return self.error(400, "this mock needs a public_id")
        with self.state.lock:
            version = max(int(time.time()), self.state.last_version + 1)
            self.state.last_version = version
            etag = hashlib.md5(data).hexdigest()
            self.state.assets[public_id] = {"version": version, "bytes": data, "etag": etag,
                                            "modified": time.time()}
        host = "http://%s:%d" % self.server.server_address[:2]
        url = "%s/%s/raw/upload/v%d/%s" % (host, CLOUD, version, public_id)
        self.reply(200, {
            "asset_id": hashlib.md5(public_id.encode()).hexdigest(), "public_id": public_id,
            "version": version, "version_id": hashlib.md5(str(version).encode()).hexdigest(),
            "signature": hashlib.sha1(data).hexdigest(), "resource_type": "raw",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "bytes": len(data), "type": "upload", "etag": etag, "placeholder": False,
            "url": url, "secure_url": url,
            "original_filename": public_id.rsplit("/", 1)[-1].rsplit(".", 1)[0]})

    def deliver(self, cloud, version, public_id):
        self.record(None)
        fault = self.take_fault("delivery")
        if fault:
            return self.apply_fault(fault)
        with self.state.lock:
            asset = self.state.assets.get(public_id) if cloud == CLOUD else None
        if not asset or (version is not None and int(version) != asset["version"]):
            return self.reply(404, b"", content_type="text/html")
        data = asset["bytes"]
        headers = {"ETag": '"%s"' % asset["etag"], "Accept-Ranges": "bytes",
                   "Last-Modified": email.utils.formatdate(asset["modified"], usegmt=True)}
        wanted = self.headers.get("Range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", wanted.strip())
            if not match or (not match.group(1) and not match.group(2)):
                return self.reply(200, data, "application/octet-stream", headers)
            if match.group(1):
                first = int(match.group(1))
                last = int(match.group(2)) if match.group(2) else len(data) - 1
            else:
                first, last = max(0, len(data) - int(match.group(2))), len(data) - 1
            last = min(last, len(data) - 1)
            if first >= len(data) or first > last:
                headers["Content-Range"] = "bytes */%d" % len(data)
                return self.reply(416, b"", None, headers)
            headers["Content-Range"] = "bytes %d-%d/%d" % (first, last, len(data))
            return self.reply(206, data[first:last + 1], "application/octet-stream", headers)
        self.reply(200, data, "application/octet-stream", headers)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


def start():
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def describe(server):
    port = server.server_address[1]
    return {"port": port, "cloud_name": CLOUD, "api_key": API_KEY, "api_secret": API_SECRET,
            "cloudinary_url": "cloudinary://%s:%s@%s" % (API_KEY, API_SECRET, CLOUD),
            "api_base_url": "http://127.0.0.1:%d/v1_1" % port,
            "delivery_base_url": "http://127.0.0.1:%d" % port}


if __name__ == "__main__":
    server = start()
    print(json.dumps(describe(server)), flush=True)
    sys.stdin.read()  # serve until stdin closes
    server.shutdown()
