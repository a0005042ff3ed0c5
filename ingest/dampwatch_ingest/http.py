"""The ingest's HTTP endpoint: Prometheus metrics at `/metrics`, readiness at `/ready`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


class _Handler(BaseHTTPRequestHandler):
    registry: CollectorRegistry
    ready: Callable[[], bool]

    def do_GET(self) -> None:
        """Serve `/metrics` and `/ready`."""
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._answer(200, generate_latest(self.registry), CONTENT_TYPE_LATEST)
        elif path == "/ready":
            # ready = store process up and subscriptions acknowledged: a message published now
            # reaches this worker's session
            ready = type(self).ready()
            self._answer(200 if ready else 503, b"ready\n" if ready else b"starting\n")
        else:
            self._answer(404, b"not found: try /metrics or /ready\n")

    def _answer(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Scrapes are not worth a log line each."""


def serve(
    host: str, port: int, registry: CollectorRegistry, ready: Callable[[], bool]
) -> ThreadingHTTPServer:
    """Start the endpoint on a daemon thread; `server_address` tells the port bound."""
    handler = type(
        "IngestHandler", (_Handler,), {"registry": registry, "ready": staticmethod(ready)}
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="ingest-http", daemon=True).start()
    return server
