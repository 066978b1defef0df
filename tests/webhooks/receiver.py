"""A webhook receiver for the tests: a CRM's endpoint on loopback.

It verifies each event's signature with the `standardwebhooks` package from PyPI (the
Standard Webhooks reference library) when it can import it, else with the specification's
algorithm written out below, and records what it accepted. The test drives it over HTTP:

  POST /_config  {"secrets": ["whsec_..."], "mode": "ok" | "fail" | "redirect" | "hang"}
  GET  /_events  -> {"verifier": ..., "events": [...], "rejected": n, "requests": n}

Modes: "ok" answers 204; "fail" answers 503; "redirect" answers 302 to /elsewhere;
"hang" holds the request without an answer (a receiver that never replies).
Prints "PORT <n>" on its first line once it listens.
"""

import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    VERIFIER = "standardwebhooks"
except ImportError:  # the specification's algorithm
    VERIFIER = "spec"

    class WebhookVerificationError(Exception):
        pass

    class Webhook:
        def __init__(self, secret):
            self.key = base64.b64decode(secret.removeprefix("whsec_"))

        def verify(self, body, headers):
            msg_id = headers.get("webhook-id")
            timestamp = headers.get("webhook-timestamp")
            signatures = headers.get("webhook-signature", "")
            if not (msg_id and timestamp and signatures):
                raise WebhookVerificationError("missing headers")
            if abs(time.time() - int(timestamp)) > 300:
                raise WebhookVerificationError("timestamp out of tolerance")
            signed = f"{msg_id}.{timestamp}.".encode() + body
            expected = "v1," + base64.b64encode(
                hmac.new(self.key, signed, hashlib.sha256).digest()
            ).decode()
            if not any(hmac.compare_digest(expected, s) for s in signatures.split(" ")):
                raise WebhookVerificationError("no matching signature")
            return json.loads(body)


lock = threading.Lock()
state = {"secrets": [], "mode": "ok", "events": [], "rejected": 0, "requests": 0}


class Handler(BaseHTTPRequestHandler):
    # Keep-alive: each sender keeps its connection, as a CRM's web server would let it.
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/_events":
            return self.reply(404)
        with lock:
            body = json.dumps(
                {
                    "verifier": VERIFIER,
                    "events": state["events"],
                    "rejected": state["rejected"],
                    "requests": state["requests"],
                }
            ).encode()
        self.reply(200, body, [("Content-Type", "application/json")])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_config":
            config = json.loads(body)
            with lock:
                state.update({k: v for k, v in config.items() if k in ("secrets", "mode")})
            return self.reply(204)
        with lock:
            state["requests"] += 1
            mode, secrets = state["mode"], list(state["secrets"])
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "fail":
            return self.reply(503, b"receiver down for maintenance")
        if mode == "redirect":
            return self.reply(302, b"", [("Location", "/elsewhere")])
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified_by = [
            i for i, s in enumerate(secrets) if verifies(Webhook(s), body, headers)
        ]
        if not verified_by:
            with lock:
                state["rejected"] += 1
            return self.reply(401, b"bad signature")
        event = json.loads(body)
        with lock:
            state["events"].append(
                {
                    "id": headers["webhook-id"],
                    "type": event["type"],
                    "data": event["data"],
                    "verified_by": verified_by,
                    "signatures": len(headers["webhook-signature"].split(" ")),
                    "received_at": time.time(),
                }
            )
        self.reply(200, b'{"ok":true}', [("Content-Type", "application/json")])


def verifies(webhook, body, headers):
    try:
        webhook.verify(body, headers)
        return True
    except WebhookVerificationError:
        return False


class Server(ThreadingHTTPServer):
    # Truce sends a batch of events at once; the default backlog of 5 drops the rest of
    # the connections, and each then waits a second for its SYN to be sent again.
    request_queue_size = 128


server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
