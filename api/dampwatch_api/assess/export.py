"""Line protocol for what the job writes: `risk`, `home_risk`, `alert`, `device_health`.

Timestamps are the hour a value describes (hour start, UTC), so a re-computation overwrites;
`alert` points carry the time of the lifecycle change (Grafana annotations).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Final

from dampwatch.const import MEASUREMENT_RISK, TAG_DEVICE, TAG_HOME, TAG_ROOM
from dampwatch.lineprotocol import escape_string, format_tags

MEASUREMENT_HOME_RISK: Final = "home_risk"
MEASUREMENT_ALERT: Final = "alert"
MEASUREMENT_DEVICE_HEALTH: Final = "device_health"
NS_PER_S: Final = 1_000_000_000


def _fields(values: Mapping[str, float]) -> str:
    return ",".join(
        f"{name}={float(value)!r}" for name, value in values.items() if math.isfinite(value)
    )


def float_line(
    measurement: str, tags: Mapping[str, str], values: Mapping[str, float], hour: int
) -> str | None:
    """One point of float fields at the start of epoch hour `hour`; None when all are missing."""
    body = _fields(values)
    if not body:
        return None
    return f"{measurement}{format_tags(tags)} {body} {hour * 3600 * NS_PER_S}"


def risk_line(home: str, room: str, values: Mapping[str, float], hour: int) -> str | None:
    """A `risk` point of a room."""
    return float_line(MEASUREMENT_RISK, {TAG_HOME: home, TAG_ROOM: room}, values, hour)


def device_health_line(
    home: str, device: str, values: Mapping[str, float], hour: int
) -> str | None:
    """A `device_health` point."""
    return float_line(MEASUREMENT_DEVICE_HEALTH, {TAG_HOME: home, TAG_DEVICE: device}, values, hour)


def home_risk_line(
    home: str,
    *,
    score: float,
    open_alerts: int,
    overdue: int,
    kinds: Iterable[str],
    hour: int,
) -> str:
    """A `home_risk` point."""
    fields = (
        f"score={float(score)!r},open_alerts={float(open_alerts)!r},"
        f"overdue_alerts={float(overdue)!r},kinds={escape_string(','.join(sorted(kinds)))}"
    )
    return (
        f"{MEASUREMENT_HOME_RISK}{format_tags({TAG_HOME: home})} {fields} {hour * 3600 * NS_PER_S}"
    )


def alert_line(
    *,
    home: str,
    room: str,
    kind: str,
    severity: str,
    alert_id: int,
    status: str,
    text: str,
    at: datetime,
    sequence: int = 0,
) -> str:
    """An `alert` point for one lifecycle change; `sequence` keeps same-instant changes apart."""
    tags = {TAG_HOME: home, TAG_ROOM: room, "kind": kind, "severity": severity}
    fields = f"alert_id={alert_id}i,status={escape_string(status)},text={escape_string(text)}"
    timestamp = int(at.timestamp()) * NS_PER_S + at.microsecond * 1000 + sequence
    return f"{MEASUREMENT_ALERT}{format_tags(tags)} {fields} {timestamp}"
