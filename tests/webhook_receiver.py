"""A real HTTP receiver for webhook tests: a local server in a thread.

It does what an agency's developer would: verifies every request's signature
with the `standardwebhooks` package under the secret it was given, answers
with the status codes it is told to (then 200), and processes each event once,
dropping a copy whose `webhook-id` it has seen (its dedupe).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Hit:
    message_id: str
    headers: dict
    body: bytes
    verified: bool
    status: int


@dataclass
class Receiver:
    secret: str = ""
    # Status codes to answer, in order; 200 once they run out.
    script: list[int] = field(default_factory=list)
    # Seconds to wait before answering (to make two senders overlap).
    delay: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    # The events processed: first copy of each webhook-id answered 2xx.
    events: list[dict] = field(default_factory=list)
    seen: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def handle(self, headers: dict, body: bytes) -> int:
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            status = self.script.pop(0) if self.script else 200
            if not verified:
                status = 401
            message_id = headers.get("webhook-id", "")
            self.hits.append(Hit(message_id, headers, body, verified, status))
            if 200 <= status < 300 and message_id not in self.seen:
                self.seen.add(message_id)
                self.events.append(json.loads(body))
        return status


def serve(receiver: Receiver):
    """Start `receiver` on 127.0.0.1 (a free port); returns the server (shut it down)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            status = receiver.handle(headers, body)
            answer = b'{"ok": true, "note": "call +380 67 123 4567 or a@b.example"}'
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
