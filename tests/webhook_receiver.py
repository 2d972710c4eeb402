"""
A real HTTP receiver for webhook tests: a small threaded http.server on 127.0.0.1.

Each path can be given a Standard Webhooks secret (every request to it is then
verified with the `standardwebhooks` package, an implementation independent of ours)
and a script of answers (503, "slow", 302 to somewhere, ...) played before it answers
204. Every request is recorded with whether its signature held.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    status: int
    verified: bool | None = None

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int
    secrets: dict = field(default_factory=dict)
    scripts: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def accepted(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path and r.status < 300]

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                script = receiver.scripts.get(self.path) or []
                step = script.pop(0) if script else 204
            verified = None
            if self.path in receiver.secrets:
                try:
                    Webhook(receiver.secrets[self.path]).verify(body, headers)
                    verified = True
                except Exception:
                    verified = False
            if step == "slow":  # answers after the sender's timeout
                time.sleep(1.5)
                step = 503
            if isinstance(step, tuple):  # (302, "http://169.254.169.254/...")
                status, location = step
            else:
                status, location = step, ""
            if verified is False:
                status = 401
            receiver.requests.append(Received(self.path, headers, body, status, verified))
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture(scope="module")
def webhook_receiver():
    receiver = Receiver(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
