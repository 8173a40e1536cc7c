"""A local stand-in for GOV.UK Notify's REST API (v2), run in a thread of the test process: it records every
request and can be told to answer the next ones with errors. It checks the bearer token is a JWT signed for the
service id in the key, as Notify does, and answers in Notify's published shapes."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"test_key-{SERVICE_ID}-{SECRET}"


@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any]


@dataclass
class FakeNotify:
    requests: list[Recorded] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)  # status codes for the next POSTs, in order
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # reference -> notification
    on_post: Any = None  # called after a POST is recorded (e.g. to kill a worker), before the answer
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def posts(self, kind: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == f"/v2/notifications/{kind}"]


def _handler(fake: FakeNotify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            except jwt.PyJWTError:
                return False
            return claims.get("iss") == SERVICE_ID

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            with fake.lock:
                fake.requests.append(Recorded("GET", url.path, {}))
            if not self._authorised():
                return self._answer(403, {"status_code": 403, "errors": [{"error": "AuthError"}]})
            if url.path == "/v2/notifications":
                reference = parse_qs(url.query).get("reference", [""])[0]
                found = [fake.sent[reference]] if reference in fake.sent else []
                return self._answer(200, {"notifications": found, "links": {}})
            return self._answer(404, {"status_code": 404, "errors": [{"error": "NotFound"}]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            with fake.lock:
                fake.requests.append(Recorded("POST", self.path, body))
                status = fake.errors.pop(0) if fake.errors else None
            if not self._authorised():
                return self._answer(403, {"status_code": 403, "errors": [{"error": "AuthError"}]})
            if status is not None:
                return self._answer(status, {"status_code": status, "errors": [{"error": "Fake", "message": "no"}]})
            kind = self.path.rsplit("/", 1)[-1]
            if kind == "letter" and not base64.b64decode(body.get("content", "")).startswith(b"%PDF"):
                return self._answer(400, {"status_code": 400, "errors": [{"error": "BadRequestError"}]})
            notification = {"id": str(uuid.uuid4()), "reference": body.get("reference"), "type": kind,
                            "status": "created"}
            with fake.lock:
                fake.sent[str(body.get("reference"))] = notification
            if fake.on_post is not None:
                fake.on_post()
            return self._answer(201, {"id": notification["id"], "reference": body.get("reference"),
                                      "content": {}, "uri": "", "template": {}})

    return Handler


@contextmanager
def serve() -> Iterator[FakeNotify]:
    fake = FakeNotify()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
