"""Container healthchecks without curl or wget in the image.

`http URL`: the service answers 2xx. `influx`: InfluxDB answers /ping. `assess`: this worker
made progress lately (its heartbeat file), and the assessment wrote a `home_risk` point recently
or there are no recent readings it should have assessed.
`casework`: the casework worker's loop touched its heartbeat file recently.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

TIMEOUT_S = 5
# A pass that waits on slow subscribers can take minutes; longer than this is stuck.
CASEWORK_STALE_S = 300.0
DEFAULT_ASSESS_INTERVAL_S = 3600.0
DEFAULT_ASSESS_STALL_S = 1800.0
# A cycle stamps `home_risk` with the start of the last complete hour: up to two hours old when
# written. Allow one missed cycle on top.
HOUR_STAMP_SLACK_S = 7200.0
LAST_RISK_QUERY = 'SELECT last("score") FROM "home_risk"'
# The ingest workers' own points (every DAMPWATCH_INGEST_STATS_INTERVAL_S): a few series, cheap
# to read, unlike the last reading of every device.
RECENT_WRITES_QUERY = (
    'SELECT spread("written_total") FROM "ingest" WHERE time > now() - 1h GROUP BY "worker"'
)
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


def influx_rows(env: Mapping[str, str], query: str) -> list[list[Any]]:
    """The value rows of an InfluxQL query against the configured database or bucket."""
    url = env.get("DAMPWATCH_INFLUX_URL", "http://127.0.0.1:8086").rstrip("/")
    params = {"q": query, "epoch": "s"}
    headers = {}
    if env.get("DAMPWATCH_INFLUX_API", "v2") == "v1":
        params["db"] = env.get("DAMPWATCH_INFLUX_DATABASE", "dampwatch")
        if env.get("DAMPWATCH_INFLUX_USERNAME"):
            params["u"] = env["DAMPWATCH_INFLUX_USERNAME"]
            params["p"] = env.get("DAMPWATCH_INFLUX_PASSWORD", "")
    else:
        params["db"] = env.get("DAMPWATCH_INFLUX_BUCKET", "dampwatch")
        if env.get("DAMPWATCH_INFLUX_TOKEN"):
            headers["Authorization"] = f"Token {env['DAMPWATCH_INFLUX_TOKEN']}"
    request = urllib.request.Request(  # noqa: S310 - the configured InfluxDB
        f"{url}/query?{urllib.parse.urlencode(params)}", headers=headers
    )
    with _OPENER.open(request, timeout=TIMEOUT_S) as response:
        document = json.loads(response.read())
    rows: list[list[Any]] = []
    for result in document.get("results", []):
        if "error" in result:
            raise OSError(result["error"])
        for series in result.get("series", []):
            rows.extend(series.get("values", []))
    return rows


def age_s(path: str, now_s: float) -> float | None:
    """Seconds since a heartbeat file was last touched; None when there is none."""
    try:
        return now_s - os.path.getmtime(path)
    except OSError:
        return None


def assess_healthy(env: Mapping[str, str], now_s: float | None = None) -> tuple[bool, str]:
    """Whether the assessment loop keeps up, and why (for the container's health log)."""
    interval_s = float(env.get("DAMPWATCH_ASSESS_INTERVAL_S", DEFAULT_ASSESS_INTERVAL_S))
    max_age_s = 2 * interval_s + HOUR_STAMP_SLACK_S
    now_s = time.time() if now_s is None else now_s
    heartbeat = env.get("DAMPWATCH_ASSESS_HEARTBEAT_FILE")
    if heartbeat:
        # Several workers share the estate: one hung worker is this container's problem, even
        # while the others keep `home_risk` fresh.
        stall_s = float(env.get("DAMPWATCH_ASSESS_STALL_S", DEFAULT_ASSESS_STALL_S))
        idle_s = age_s(heartbeat, now_s)
        if idle_s is None:
            return False, f"no heartbeat at {heartbeat}"
        if idle_s > stall_s:
            return False, f"this worker made no progress for {idle_s:.0f} s"
    try:
        risk = influx_rows(env, LAST_RISK_QUERY)
        last_risk = float(risk[0][0]) if risk else None
        if last_risk is not None and now_s - last_risk <= max_age_s:
            return True, f"last home_risk {now_s - last_risk:.0f} s ago"
        writing = influx_rows(env, RECENT_WRITES_QUERY)
    except (OSError, ValueError, urllib.error.URLError) as error:
        return False, f"InfluxDB query failed: {error}"
    if not any(row and row[-1] for row in writing):
        return True, "no readings stored in the last hour: nothing new to assess"
    age = "never" if last_risk is None else f"{now_s - last_risk:.0f} s ago"
    return False, f"readings arrive but the last home_risk point was written {age}"


def casework_healthy(env: Mapping[str, str], now_s: float | None = None) -> tuple[bool, str]:
    """Whether the casework worker's loop ran lately (it touches its heartbeat every pass)."""
    poll_s = float(env.get("DAMPWATCH_CASEWORK_POLL_S", "1"))
    path = os.path.join(env.get("DAMPWATCH_DATA_DIR", "data"), "casework", "heartbeat")
    age = age_s(path, time.time() if now_s is None else now_s)
    if age is None:
        return False, f"no heartbeat at {path}"
    healthy = age <= max(CASEWORK_STALE_S, 10 * poll_s)
    return healthy, f"last pass {age:.0f} s ago"


def main(argv: Sequence[str]) -> int:
    """Run one check; exit 0 when healthy."""
    if argv[:1] == ["http"] and len(argv) == 2:
        return 0 if http_ok(argv[1]) else 1
    if list(argv) == ["influx"]:
        url = os.environ.get("DAMPWATCH_INFLUX_URL", "http://127.0.0.1:8086").rstrip("/")
        return 0 if http_ok(f"{url}/ping", os.environ.get("DAMPWATCH_INFLUX_TOKEN")) else 1
    if list(argv) == ["assess"]:
        healthy, reason = assess_healthy(os.environ)
        print(reason)
        return 0 if healthy else 1
    if list(argv) == ["casework"]:
        healthy, reason = casework_healthy(os.environ)
        print(reason)
        return 0 if healthy else 1
    print("usage: healthcheck.py http URL | influx | assess | casework", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
