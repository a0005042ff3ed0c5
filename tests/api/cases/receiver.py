"""A webhook receiver as a subscriber would run one: a real HTTP server on loopback.

It checks each request the way the Standard Webhooks specification tells receivers to: the
signature (HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}", computed here from the
specification, not by the code under test), a timestamp within five minutes of its own clock,
and the id against the ones already processed (the idempotency key). It parses each body as a
CloudEvent with the CloudEvents SDK. It can be stopped and started again on the same port, and
can hold one request open (to kill the sender mid-delivery).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cloudevents.core.formats.json import JSONFormat

TOLERANCE_S = 300


@dataclass
class Arrival:
    """One request as received."""

    event_id: str
    timestamp: int
    signature_ok: bool
    fresh: bool
    event: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Receiver:
    """The subscriber's endpoint; `clock` is its own idea of now (seconds)."""

    port: int
    secret: str = ""
    clock: Callable[[], float] = lambda: datetime.now(UTC).timestamp()
    answer: int = 204
    arrivals: list[Arrival] = field(default_factory=list)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)
    hold_type: str | None = None  # hold the first request of this event type open
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expected_signature(self, event_id: str, timestamp: str, body: bytes) -> str:
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        digest = hmac.new(key, f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256)
        return "v1," + base64.b64encode(digest.digest()).decode()

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        event_id = headers.get("webhook-id", "")
        timestamp = headers.get("webhook-timestamp", "0")
        signatures = headers.get("webhook-signature", "").split(" ")
        signature_ok = self.expected_signature(event_id, timestamp, body) in signatures
        fresh = abs(self.clock() - int(timestamp)) <= TOLERANCE_S
        parsed = JSONFormat().read(None, body)
        event = {**parsed.get_attributes(), "data": parsed.get_data()}
        assert event["id"] == event_id == headers.get("idempotency-key")
        if (
            self.hold_type is not None
            and event["type"] == self.hold_type
            and not self.held.is_set()
        ):
            self.held.set()
            self.release.wait(60)
        with self._lock:
            arrival = Arrival(event_id, int(timestamp), signature_ok, fresh, event, headers, body)
            self.arrivals.append(arrival)
            if not (signature_ok and fresh):
                return 401
            self.processed.setdefault(event_id, event)  # a repeat is acknowledged, not redone
        return self.answer

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                assert headers["content-type"].startswith("application/cloudevents+json")
                code = receiver.handle(headers, body)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/dampwatch"

    def in_order(self) -> dict[str, list[int]]:
        """The sequence numbers processed per ordering key, in arrival order."""
        order: dict[str, list[int]] = {}
        seen: set[str] = set()
        for arrival in self.arrivals:
            if arrival.event_id in seen or not (arrival.signature_ok and arrival.fresh):
                continue
            seen.add(arrival.event_id)
            key = str(arrival.event["partitionkey"])
            order.setdefault(key, []).append(int(arrival.event["sequence"]))
        return order


def dump(receiver: Receiver) -> str:
    """What arrived, for a failing assertion's message."""
    return json.dumps(
        [
            (a.event_id, a.event["type"], a.event["partitionkey"], a.event["sequence"])
            for a in receiver.arrivals
        ],
        indent=0,
    )
