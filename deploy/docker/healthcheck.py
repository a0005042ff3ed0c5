"""Container healthchecks without curl or wget in the image: `healthcheck.py http URL`."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

TIMEOUT_S = 5
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_ok(url: str, token: str | None = None) -> bool:
    """Whether GET url answers with a 2xx status."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=TIMEOUT_S) as response:
            return 200 <= int(response.status) < 300
    except (OSError, urllib.error.URLError):
        return False


def main(argv: Sequence[str]) -> int:
    """`http URL`: the service answers; `influx`: DAMPWATCH_INFLUX_URL answers /ping."""
    if argv[:1] == ["http"] and len(argv) == 2:
        return 0 if http_ok(argv[1]) else 1
    if list(argv) == ["influx"]:
        url = os.environ.get("DAMPWATCH_INFLUX_URL", "http://127.0.0.1:8086").rstrip("/")
        return 0 if http_ok(f"{url}/ping", os.environ.get("DAMPWATCH_INFLUX_TOKEN")) else 1
    print("usage: healthcheck.py http URL | healthcheck.py influx", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
