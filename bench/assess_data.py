"""Readings of a benchmark estate written straight to InfluxDB's 1.x `/write`."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

ROOMS = ("living-room", "bedroom-1", "bathroom")
ROOMS_PER_HOME = len(ROOMS)
DETAILED_HOURS = 72  # readings every 10 minutes over the last hours before the first cycle
AHEAD_HOURS = 2  # and over the hours the later cycles assess
LATE_SHARE = 0.05
BATCH_LINES = 50_000
# Loopback only: never through a proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, lines: list[str]) -> None:
    request = urllib.request.Request(
        f"{url}/write?db=bench&precision=s", data="\n".join(lines).encode(), method="POST"
    )
    with OPENER.open(request, timeout=300) as response:
        assert response.status == 204, response.read()


def _home_lines(home: int, start: int, end: int, step_s: int, shift: float = 0.0) -> list[str]:
    """One home's readings every `step_s` over [start, end) (epoch seconds)."""
    lines = []
    damp = home % 20 == 0  # one home in twenty has a damp bedroom
    for room in ROOMS:
        base_t = 19.0 + (home % 7) * 0.3 + shift
        base_rh = 81.0 if damp and room == "bedroom-1" else 55.0
        for number, at in enumerate(range(start, end, step_s)):
            lines.append(
                f"reading,device=d-{room},home=h{home},room={room} "
                f"temperature_c={base_t + 0.01 * (number % 13):.2f},"
                f"humidity_pct={base_rh + number % 9 + shift:.1f},battery_pct=90 {at}"
            )
    if home % 50 == 0:  # a few homes with an outdoor sensor, for the stock's median
        for at in range(start, end, step_s):
            lines.append(
                f"reading,device=d-outdoor,home=h{home},room=outdoor "
                f"temperature_c={4.0 + (at // 3600) % 5},humidity_pct=88 {at}"
            )
    return lines


def _batches(homes: int, spans: list[tuple[int, int, int]]) -> Iterator[list[str]]:
    batch: list[str] = []
    for home in range(homes):
        for start, end, step in spans:
            batch.extend(_home_lines(home, start, end, step))
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


def write_estate(url: str, homes: int, end: datetime, days: int) -> int:
    """Hourly readings of `days` days before `end`, then every 10 minutes; the number written."""
    stop = int((end + timedelta(hours=AHEAD_HOURS)).timestamp())
    detailed = int((end - timedelta(hours=DETAILED_HOURS)).timestamp())
    first = int((end - timedelta(days=days)).timestamp())
    spans = [(first, detailed, 3600), (detailed, stop, 600)]
    written = 0
    with ThreadPoolExecutor(2) as pool:
        pending = []
        for batch in _batches(homes, spans):
            pending.append(pool.submit(_post, url, batch))
            written += len(batch)
            if len(pending) > 4:
                pending.pop(0).result()
        for future in pending:
            future.result()
    return written


def write_late(url: str, homes: int, end: datetime) -> int:
    """A backlog of 5 % of the homes: an hour of readings 20 hours before `end`, new values."""
    start = int((end - timedelta(hours=20)).timestamp()) + 300
    lines: list[str] = []
    for home in range(0, homes, round(1 / LATE_SHARE)):
        lines.extend(_home_lines(home, start, start + 3600, 600, shift=0.5))
    for offset in range(0, len(lines), BATCH_LINES):
        _post(url, lines[offset : offset + BATCH_LINES])
    return len(lines)
