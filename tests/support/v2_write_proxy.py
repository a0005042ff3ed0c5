"""Test fixture reproducing InfluxDB 1.8's /api/v2/write compatibility mapping.

Debian's InfluxDB 1.6 lacks that endpoint (it arrived in 1.8), so this small HTTP server stands in
front of a real 1.6 server: it maps `POST /api/v2/write?org=&bucket=&precision=` onto 1.x
`POST /write?db=&rp=&precision=&u=&p=` the way 1.8's handler does (bucket "db/rp" or "db",
`Authorization: Token user:password`), returns 2.x-style JSON errors, and forwards every other
request unchanged. It is not a product component and must never be used outside tests.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

# RFC 9110 hop-by-hop headers, plus the ones http.client recomputes for the upstream request.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
_PRECISION = {"ns": "n", "us": "u", "ms": "ms", "s": "s", "": ""}
# InfluxDB 2.x error codes (influxdb/kit/platform/errors) by HTTP status.
_ERROR_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    413: "request too large",
    429: "too many requests",
    503: "unavailable",
}


def bucket_to_db_rp(bucket: str) -> tuple[str, str]:
    """Split a v2 bucket into (database, retention policy) as InfluxDB 1.8 does."""
    db, _, rp = bucket.partition("/")
    if not db:
        raise ValueError(
            f"bucket name {bucket!r} is in db/rp form but has an empty database"
            if "/" in bucket
            else f'bucket name {bucket!r} is missing a slash; not in "database/retention-policy" '
            "format"
        )
    return db, rp


def token_credentials(authorization: str | None) -> tuple[str, str] | None:
    """Return (user, password) from `Token user:password`; a bare token carries none."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Token" or ":" not in token:
        return None
    user, _, password = token.partition(":")
    return user, password


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps client connection pools (urllib3) working; every reply sets Content-Length.
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: pytest output is for test failures."""

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/api/v2/write":
            self._v2_write(urllib.parse.parse_qs(url.query))
        else:
            self._forward(self.path, self._read_body(), self._forwarded_headers())

    def _other(self) -> None:
        self._forward(self.path, self._read_body(), self._forwarded_headers())

    def do_GET(self) -> None:
        self._other()

    def do_HEAD(self) -> None:
        self._other()

    def do_PUT(self) -> None:
        self._other()

    def do_DELETE(self) -> None:
        self._other()

    def do_PATCH(self) -> None:
        self._other()

    def do_OPTIONS(self) -> None:
        self._other()

    def _v2_write(self, params: dict[str, list[str]]) -> None:
        body = self._read_body()
        precision = params.get("precision", [""])[0]
        if precision not in _PRECISION:
            self._error(400, f"invalid precision {precision!r} (use ns, us, ms or s)")
            return
        try:
            db, rp = bucket_to_db_rp(params.get("bucket", [""])[0])
        except ValueError as err:
            self._error(404, str(err))
            return
        query = {"db": db}
        if rp:
            query["rp"] = rp
        if _PRECISION[precision]:
            query["precision"] = _PRECISION[precision]
        credentials = token_credentials(self.headers.get("Authorization"))
        if credentials is not None:
            query["u"], query["p"] = credentials
        headers = {
            k: v for k, v in self._forwarded_headers().items() if k.lower() != "authorization"
        }
        self.server.proxy.count_write()
        self._forward("/write?" + urllib.parse.urlencode(query), body, headers, v2_errors=True)

    def _forward(
        self, path: str, body: bytes, headers: dict[str, str], *, v2_errors: bool = False
    ) -> None:
        upstream = urllib.parse.urlsplit(self.server.proxy.upstream_url)
        conn = http.client.HTTPConnection(upstream.hostname or "", upstream.port, timeout=30)
        try:
            conn.request(self.command, path, body=body or None, headers=headers)
            response = conn.getresponse()
            status, payload = response.status, response.read()
            reply_headers = [
                (k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP
            ]
        except OSError as err:
            # A stopped InfluxDB must look like a server that is down, not like a broken proxy.
            self._error(503, f"upstream InfluxDB unreachable: {err}")
            return
        finally:
            conn.close()
        if v2_errors and status >= 400:
            self._error(status, _upstream_message(payload))
            return
        self.send_response(status)
        for key, value in reply_headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _error(self, status: int, message: str) -> None:
        code = _ERROR_CODES.get(status, "internal error" if status >= 500 else "invalid")
        payload = json.dumps({"code": code, "message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _forwarded_headers(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers end with an empty line
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


def _upstream_message(payload: bytes) -> str:
    text = payload.decode("utf-8", "replace")
    try:
        return str(json.loads(text)["error"])
    except (ValueError, KeyError, TypeError):
        return text.strip()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], proxy: InfluxV2WriteProxy) -> None:
        super().__init__(address, _Handler)
        self.proxy = proxy


class InfluxV2WriteProxy:
    """Serve InfluxDB 1.8's /api/v2/write on a free loopback port in front of an InfluxDB 1.x."""

    def __init__(self, upstream_url: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self._address = (host, port)
        self.write_requests = 0
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the proxy's base URL (valid once started)."""
        if self._server is None:
            raise RuntimeError("proxy not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def count_write(self) -> None:
        """Count one /api/v2/write request forwarded to /write (handlers run in threads)."""
        with self._lock:
            self.write_requests += 1

    def start(self) -> None:
        """Bind the port and serve from a daemon thread."""
        if self._server is not None:
            return
        self._server = _Server(self._address, self)
        # Port 0 binds atomically; keep the real port so a restart reuses the same URL.
        self._address = (self._address[0], int(self._server.server_address[1]))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
