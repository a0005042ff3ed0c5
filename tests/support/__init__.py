"""Helpers shared by tests that run against real Mosquitto and InfluxDB servers."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

from dampwatch_stack.servers import InfluxServer

INSTALL_HINT = "sudo apt-get install -y mosquitto influxdb"
# Runs a test on Debian's Mosquitto 2.0 and on the 2.1 build with persist-sqlite (`make setup`)
# through the `mosquitto` fixture; the 2.1 case skips where that build is absent.
on_each_broker = pytest.mark.parametrize("mosquitto", ["2.0", "2.1"], indirect=True)
# Loopback requests must never go through an http_proxy taken from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten an InfluxQL JSON response into one dict per row: columns plus the series' tags."""
    flat: list[dict[str, Any]] = []
    for statement in result.get("results", []):
        for series in statement.get("series", []):
            tags = series.get("tags") or {}
            flat.extend(
                {**tags, **dict(zip(series["columns"], values, strict=True))}
                for values in series.get("values", [])
            )
    return flat


@dataclass(frozen=True)
class InfluxDatabase:
    """One test's private database on a shared InfluxServer."""

    server: InfluxServer
    database: str

    @property
    def url(self) -> str:
        """Return the server's HTTP base URL."""
        return self.server.url

    def query(self, q: str) -> dict[str, Any]:
        """Run InfluxQL against this database and return the raw JSON (epoch=ms)."""
        return self.server.query(q, db=self.database)

    def rows(self, q: str) -> list[dict[str, Any]]:
        """Run InfluxQL against this database and return flattened rows."""
        return rows(self.query(q))

    def write(self, lines: str, precision: str = "ms") -> None:
        """Write line protocol through the 1.x /write endpoint; raise on any non-204 reply."""
        params = urllib.parse.urlencode({"db": self.database, "precision": precision})
        request = urllib.request.Request(
            f"{self.url}/write?{params}", data=lines.encode(), method="POST"
        )
        try:
            with OPENER.open(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as err:
            raise AssertionError(f"/write returned {err.code}: {err.read().decode()}") from None
        if status != 204:
            raise AssertionError(f"/write returned {status}")
