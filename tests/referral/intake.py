"""A real local HTTP server standing in for the practice's intake endpoint.

It keeps each referral once per Idempotency-Key, as a well-behaved intake
system would, and can be told to fail: a share of requests get a 500 (half of
those after the referral was stored, as when a reply is lost on the way back),
and it can be stopped and started again on the same port.
"""

from __future__ import annotations

import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class IntakeServer:
    def __init__(self, failure_rate: float = 0.0, seed: int = 42) -> None:
        self.failure_rate = failure_rate
        self.random = random.Random(seed)  # noqa: S311 - repeatable failures, not secrets
        self.lock = threading.Lock()
        self.stored: dict[str, dict] = {}  # idempotency key -> referral, kept once
        self.times_stored: dict[str, int] = {}
        self.requests = 0
        self.port = 0
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/referrals"

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _handler(self):
        intake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key")
                with intake.lock:
                    intake.requests += 1
                    roll = intake.random.random()
                    if not key:
                        return self._reply(400)
                    if roll < intake.failure_rate / 2:
                        return self._reply(500)  # failed before storing
                    if key not in intake.stored:
                        intake.stored[key] = body
                        intake.times_stored[key] = intake.times_stored.get(key, 0) + 1
                    if roll < intake.failure_rate:
                        return self._reply(500)  # stored, but the reply says otherwise
                return self._reply(201)

            def _reply(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler
