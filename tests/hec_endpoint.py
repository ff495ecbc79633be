"""A local HTTP endpoint that holds the forwarder to Splunk HEC's documented contract:
`POST /services/collector/event` with `Authorization: Splunk <token>`, a body of concatenated
JSON events each with a non-empty `event`, gzip when `Content-Encoding: gzip` says so, HEC's
JSON answers and status codes (401 token required, 403 invalid token, 400 invalid data format or
missing event or channel, 503 server busy), and indexer acknowledgement (`ackId` per request on
a channel, `POST /services/collector/ack`). It can be made busy, or stopped and started again on
the same port."""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["HecEndpoint", "HecRequest"]

EVENT_PATH = "/services/collector/event"
ACK_PATH = "/services/collector/ack"


@dataclass
class HecRequest:
    path: str
    headers: dict[str, str]
    raw_bytes: int
    gzipped: bool
    events: list[dict[str, Any]] = field(default_factory=list)


def _events(body: bytes) -> list[dict[str, Any]]:
    """HEC's batch format: JSON objects one after another, whitespace between allowed."""
    decoder = json.JSONDecoder()
    text, i, out = body.decode(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return out
        obj, i = decoder.raw_decode(text, i)
        if not isinstance(obj, dict):
            raise ValueError("not an object")
        out.append(obj)


class HecEndpoint:
    def __init__(self, token: str, ack: bool = False, port: int = 0) -> None:
        self.token = token
        self.ack = ack
        self.busy = False
        self.requests: list[HecRequest] = []
        self.events: list[dict[str, Any]] = []
        self._acks: dict[str, set[int]] = {}
        self._next_ack = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = port
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                status, answer = endpoint._handle(self)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _handle(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        path, _, _query = request.path.partition("?")
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        if path not in (EVENT_PATH, ACK_PATH):
            return 404, {"text": "The requested URL was not found on this server.", "code": 404}
        auth = request.headers.get("Authorization")
        if auth is None:
            return 401, {"text": "Token is required", "code": 2}
        if auth != f"Splunk {self.token}":
            return 403, {"text": "Invalid token", "code": 4}
        if self.busy:
            return 503, {"text": "Server is busy", "code": 9}
        channel = request.headers.get("X-Splunk-Request-Channel")
        if self.ack and not channel:
            return 400, {"text": "Data channel is missing", "code": 10}
        gzipped = request.headers.get("Content-Encoding") == "gzip"
        raw = gzip.decompress(body) if gzipped else body
        if path == ACK_PATH:
            asked = json.loads(raw)["acks"]
            with self._lock:
                done = self._acks.get(channel or "", set())
                return 200, {"acks": {str(i): i in done for i in asked}}
        try:
            events = _events(raw)
        except ValueError:
            return 400, {"text": "Invalid data format", "code": 6}
        if not events or any(not e.get("event") for e in events):
            return 400, {"text": "Event field is required", "code": 12}
        with self._lock:
            headers = {k: v for k, v in request.headers.items()}
            self.requests.append(HecRequest(path, headers, len(body), gzipped, events))
            self.events.extend(events)
            if not self.ack:
                return 200, {"text": "Success", "code": 0}
            ack_id, self._next_ack = self._next_ack, self._next_ack + 1
            self._acks.setdefault(channel or "", set()).add(ack_id)
            return 200, {"text": "Success", "code": 0, "ackId": ack_id}
