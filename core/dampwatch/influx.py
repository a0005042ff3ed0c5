"""InfluxDB access: line-protocol writers for v1 and v2, InfluxQL reads over `/query`.

Errors are translated here, at the boundary, into two kinds: `InfluxBadData` (the server refused
some points: retrying the same bytes cannot help) and `InfluxUnavailable` (down, timing out,
overloaded or misconfigured: retry with backoff, the data is fine).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Protocol, cast
from urllib.parse import urlencode

import msgpack
import orjson
import urllib3

from dampwatch.settings import InfluxSettings

# Statuses that describe the request's data rather than the server's state.
BAD_DATA_STATUSES = frozenset({400, 413, 422})
HTTP_NOT_FOUND = 404
# InfluxDB 1.x answers this media type, when asked by exactly this name, in MessagePack: its
# encoder and our decoder take about half the time of JSON for large raw-point answers. A server
# that does not know it answers JSON, told apart by the response's Content-Type.
MSGPACK = "application/x-msgpack"
OBJECT_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-fA-F]+>:?")


class InfluxError(Exception):
    """An InfluxDB request failed."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InfluxBadData(InfluxError):
    """InfluxDB refused some of the points; the others of a 1.x/2.x partial write were stored."""


class InfluxUnavailable(InfluxError):
    """InfluxDB could not be reached or did not accept the request for now."""


class LineWriter(Protocol):
    """Writes line-protocol points with nanosecond timestamps."""

    def write(self, lines: Sequence[str]) -> None:
        """Write all lines or raise InfluxBadData / InfluxUnavailable."""

    def close(self) -> None:
        """Release connections."""


def _error_text(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")[:500]
    if isinstance(document, dict):
        return str(document.get("error") or document.get("message") or document)[:500]
    return str(document)[:500]


def _translate(status: int, body: bytes, url: str = "") -> InfluxError:
    where = f" at {url}" if url else ""
    message = f"InfluxDB{where} answered {status}: {_error_text(body)}"
    if status == HTTP_NOT_FOUND:
        # The other API's endpoint: InfluxDB 1.x has no /api/v2/write, 2.x no v1 database.
        message += (
            "; check DAMPWATCH_INFLUX_API (v1 for InfluxDB 1.x, v2 for 2.x) and the database "
            "or bucket name (a stack started by `dampwatch up` is InfluxDB 1.x: its settings "
            "are in DATA_DIR/up/stack.env)"
        )
    if status in BAD_DATA_STATUSES:
        return InfluxBadData(message, status)
    return InfluxUnavailable(message, status)


def _unreachable(url: str, error: Exception) -> InfluxUnavailable:
    """The error of a request that got no answer, naming the server and what to check."""
    # urllib3 words a refused connection as "<...HTTPConnection object at 0x...>: Failed to ...".
    reason = OBJECT_REPR.sub("", str(getattr(error, "reason", None) or error)).strip()
    return InfluxUnavailable(
        f"InfluxDB unreachable at {url} ({reason}); is it running there? Set DAMPWATCH_INFLUX_URL "
        f"(a stack started by `dampwatch up` writes its settings to DATA_DIR/up/stack.env)"
    )


def _pool(settings: InfluxSettings, timeout_s: float | None = None) -> urllib3.PoolManager:
    read_s = timeout_s or settings.influx_timeout_s
    timeout = urllib3.Timeout(connect=min(read_s, 5.0), read=read_s)
    return urllib3.PoolManager(num_pools=2, maxsize=4, timeout=timeout, retries=False)


def _auth_headers(settings: InfluxSettings) -> dict[str, str]:
    if settings.influx_api == "v2" and settings.influx_token is not None:
        return {"Authorization": f"Token {settings.influx_token.get_secret_value()}"}
    if settings.influx_username:
        password = settings.influx_password.get_secret_value() if settings.influx_password else ""
        return urllib3.make_headers(basic_auth=f"{settings.influx_username}:{password}")
    return {}


class V1LineWriter:
    """Writes through InfluxDB 1.x's `/write` endpoint."""

    def __init__(self, settings: InfluxSettings) -> None:
        self._http = _pool(settings)
        params = {"db": settings.influx_database, "precision": "n"}
        if settings.influx_retention_policy:
            params["rp"] = settings.influx_retention_policy
        self._base = settings.influx_url.rstrip("/")
        self._url = f"{self._base}/write?{urlencode(params)}"
        self._headers = _auth_headers(settings) | {"Content-Type": "text/plain; charset=utf-8"}

    def write(self, lines: Sequence[str]) -> None:
        """POST the lines to `/write`."""
        body = "\n".join(lines).encode()
        try:
            response = self._http.request("POST", self._url, body=body, headers=self._headers)
        except urllib3.exceptions.HTTPError as error:
            raise _unreachable(self._base, error) from error
        if response.status != 204:
            raise _translate(response.status, response.data, self._base)

    def close(self) -> None:
        """Close pooled connections."""
        self._http.clear()


class V2LineWriter:
    """Writes through influxdb-client's synchronous write API (`/api/v2/write`).

    Synchronous on purpose: the batching WriteApi buffers without bound and drops batches after
    its retries, while the ingest must know exactly which points were accepted.
    """

    def __init__(self, settings: InfluxSettings) -> None:
        from influxdb_client.client.influxdb_client import InfluxDBClient  # noqa: PLC0415
        from influxdb_client.client.write_api import SYNCHRONOUS  # noqa: PLC0415
        from influxdb_client.domain.write_precision import WritePrecision  # noqa: PLC0415

        token = settings.influx_token.get_secret_value() if settings.influx_token else ""
        self._client = InfluxDBClient(
            url=settings.influx_url,
            token=token,
            org=settings.influx_org,
            timeout=int(settings.influx_timeout_s * 1000),
            retries=False,
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)
        self._bucket = settings.influx_bucket
        self._org = settings.influx_org
        self._precision = cast(WritePrecision, WritePrecision.NS)
        self._base = settings.influx_url.rstrip("/")

    def write(self, lines: Sequence[str]) -> None:
        """Write the lines to the bucket."""
        from influxdb_client.rest import ApiException  # noqa: PLC0415

        try:
            self._write_api.write(
                bucket=self._bucket,
                org=self._org,
                record="\n".join(lines),
                write_precision=self._precision,
            )
        except ApiException as error:
            body = error.body.encode() if isinstance(error.body, str) else bytes(error.body or b"")
            raise _translate(int(error.status or 0), body, self._base) from error
        except urllib3.exceptions.HTTPError as error:
            raise _unreachable(self._base, error) from error

    def close(self) -> None:
        """Close the client."""
        self._client.close()  # type: ignore[no-untyped-call]


def make_writer(settings: InfluxSettings) -> LineWriter:
    """The writer for `DAMPWATCH_INFLUX_API`."""
    return V1LineWriter(settings) if settings.influx_api == "v1" else V2LineWriter(settings)


class InfluxQL:
    """InfluxQL over `/query`, served by InfluxDB 1.x, 2.x (v1 compatibility) and 3.x."""

    def __init__(self, settings: InfluxSettings, *, timeout_s: float | None = None) -> None:
        self._http = _pool(settings, timeout_s)  # default: `influx_timeout_s`
        self._base = settings.influx_url.rstrip("/")
        self._database = settings.influx_query_database
        self._headers = _auth_headers(settings)

    def query(
        self, statement: str, *, database: str | None = None, packed: bool = False
    ) -> list[dict[str, Any]]:
        """Run a statement; one dict per series (name, tags, columns, values), errors raised.

        `packed` asks for MessagePack, for large answers; JSON is read when the server sends it.
        An answer InfluxDB cut short (its `max-row-limit`) is an error, never a silent gap.
        """
        fields = {"q": statement, "db": database or self._database, "epoch": "ms"}
        headers = self._headers | ({"Accept": MSGPACK} if packed else {})
        try:
            response = self._http.request(
                "POST",
                f"{self._base}/query",
                fields=fields,
                headers=headers,
                encode_multipart=False,
            )
        except urllib3.exceptions.HTTPError as error:
            raise _unreachable(self._base, error) from error
        if response.status != 200:
            raise _translate(response.status, response.data, self._base)
        kind = response.headers.get("Content-Type", "")
        try:
            body = (
                msgpack.unpackb(response.data)
                if kind.startswith(MSGPACK)
                else orjson.loads(response.data)
            )
        except (ValueError, msgpack.ExtraData) as error:
            raise InfluxUnavailable(f"InfluxDB sent an unreadable answer: {error}") from error
        series: list[dict[str, Any]] = []
        for result in body.get("results", []):
            if "error" in result:
                raise InfluxBadData(f"InfluxQL error: {result['error']}", 200)
            found = result.get("series", [])
            if result.get("partial") or any(item.get("partial") for item in found):
                raise InfluxBadData(
                    "InfluxDB cut the answer short (its max-row-limit): raise the limit, or "
                    "read fewer hours per query",
                    200,
                )
            series.extend(found)
        return series

    def rows(self, statement: str, *, database: str | None = None) -> list[dict[str, Any]]:
        """Run a statement and flatten its series into rows, tags included."""
        return [
            dict(zip(item["columns"], values, strict=True)) | item.get("tags", {})
            for item in self.query(statement, database=database)
            for values in item.get("values", [])
        ]

    def ping(self) -> bool:
        """True when the server answers `/ping`."""
        try:
            return self._http.request("GET", f"{self._base}/ping").status == 204
        except urllib3.exceptions.HTTPError:
            return False

    def close(self) -> None:
        """Close pooled connections."""
        self._http.clear()
