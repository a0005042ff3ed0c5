"""InfluxDB helpers: counting stored readings and a bare batched `/write` baseline."""

from __future__ import annotations

import http.client
import time
import urllib.parse
from collections.abc import Sequence

from dampwatch_stack.servers import InfluxServer


def count_readings(server: InfluxServer, database: str) -> int:
    """Points of measurement `reading` in `database`, counted on `temperature_c`."""
    result = server.query("SELECT count(temperature_c) FROM reading", db=database)
    series = result["results"][0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


def fresh_database(server: InfluxServer, database: str) -> str:
    """Drop and create `database`, so a scenario starts from nothing."""
    server.drop_database(database)
    server.create_database(database)
    return database


class WriteError(RuntimeError):
    """InfluxDB refused a write."""


def bare_write(
    server: InfluxServer, database: str, lines: Sequence[str], batch: int = 5000
) -> float:
    """POST prebuilt lines in batches over one keep-alive connection; returns seconds taken.

    The bodies are encoded before the clock starts, so this is InfluxDB's own ingest rate plus
    the HTTP round trips, the ceiling for any single-connection writer.
    """
    query = urllib.parse.urlencode({"db": database, "precision": "n"})
    bodies = ["\n".join(lines[i : i + batch]).encode() for i in range(0, len(lines), batch)]
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    try:
        started = time.monotonic()
        for body in bodies:
            connection.request("POST", f"/write?{query}", body=body, headers=headers)
            response = connection.getresponse()
            text = response.read()
            if response.status != 204:
                raise WriteError(f"/write answered {response.status}: {text[:300]!r}")
        return time.monotonic() - started
    finally:
        connection.close()
