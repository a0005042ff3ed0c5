"""The lines-out step of a cycle: `risk`, `home_risk`, `device_health` and `alert` points.

Timestamps are the hour a value describes (hour start, UTC), so a re-computation overwrites;
`alert` points carry the time of the lifecycle change (Grafana annotations).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.devices import DeviceHealth
from dampwatch.assessment.flags import HourFlag
from dampwatch.assessment.frame import DeviceFrame
from dampwatch.const import MEASUREMENT_RISK, TAG_DEVICE, TAG_HOME, TAG_ROOM
from dampwatch.lineprotocol import escape_string, format_tags
from dampwatch_api.alerts.board import BoardRow
from dampwatch_api.alerts.models import AlertEvent
from dampwatch_api.assess.judge import JudgedRooms

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


RISK_COUNTS = (
    "hours_rh70_7d",
    "hours_rh70_30d",
    "hours_surface80_7d",
    "hours_surface80_30d",
    "hours_below_dew_point_7d",
    "hours_below_18c_7d",
    "hours_below_16c_7d",
    "hours_co2_1500_7d",
)
ROOM_WEIGHT_WITHOUT_ALERT = 0.5  # a home with no alert still ranks by its worst room, halved


# Whole numbers up to this are written from a table of their texts, each text made once: hour
# counts, flags and ages are most of a back-fill's fields.
WHOLE_TABLE_MAX = 100_000


def _field_texts(name: str, values: npt.NDArray[Any], digits: int | None) -> list[str]:
    """`name=value` of each value (rounded to `digits`), "" where it is not finite."""
    plain = values.astype(np.float64)
    finite = np.isfinite(plain)
    present = plain[finite]
    if present.size == 0:
        return [""] * len(plain)
    small = not np.signbit(present).any() and present.max() <= WHOLE_TABLE_MAX  # -0.0 reads "-0.0"
    if small and (present % 1 == 0).all():
        # round() leaves a whole number as it is: the same text as the general path.
        table = [f"{name}={float(number)!r}" for number in range(int(present.max()) + 1)]
        table.append("")
        index = np.where(finite, plain, len(table) - 1).astype(np.int64)
        return list(map(table.__getitem__, index.tolist()))
    if digits is None:
        return [f"{name}={v!r}" if math.isfinite(v) else "" for v in plain.tolist()]
    return [f"{name}={round(v, digits)!r}" if math.isfinite(v) else "" for v in plain.tolist()]


def grid_lines(
    prefixes: Sequence[str],
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    start_hour: int,
    fields: Sequence[tuple[str, npt.NDArray[Any], int | None]],
) -> list[str]:
    """Points at (rows[i], cols[i]) of a grid: each row's measurement and tags, then the fields
    (rounded to their digits, left out where not finite) and the hour's start.

    Column by column rather than point by point: a 30-day back-fill writes tens of millions.
    """
    columns = [_field_texts(name, values, digits) for name, values, digits in fields]
    hours = int(cols.max()) + 1 if len(cols) else 0
    stamps = [str((col + start_hour) * 3600 * NS_PER_S) for col in range(hours)]
    lines = []
    for row, col, *parts in zip(rows.tolist(), cols.tolist(), *columns, strict=True):
        body = ",".join(filter(None, parts))
        if body:
            lines.append(f"{prefixes[row]} {body} {stamps[col]}")
    return lines


# Points made into lines at a time: a back-fill's millions never sit in memory as text at once.
PIECE_POINTS = 100_000


def _pieces(
    prefixes: Sequence[str],
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    start_hour: int,
    grids: Sequence[tuple[str, npt.NDArray[Any], int | None]],
) -> Iterator[list[str]]:
    """grid_lines of the points (rows[i], cols[i]) of whole grids, PIECE_POINTS at a time."""
    for start in range(0, len(rows), PIECE_POINTS):
        row, col = rows[start : start + PIECE_POINTS], cols[start : start + PIECE_POINTS]
        fields = [(name, grid[row, col], digits) for name, grid, digits in grids]
        yield grid_lines(prefixes, row, col, start_hour, fields)


def risk_lines(
    judged: JudgedRooms, first_col: npt.NDArray[np.int64] | None = None
) -> Iterator[list[str]]:
    """`risk` points for every room-hour with data (from `first_col` of each row, if given)."""
    frame, ind = judged.frame, judged.indicators
    rows, cols = np.nonzero(ind.flags & np.uint16(HourFlag.DATA))
    if first_col is not None:
        keep = cols >= first_col[rows]
        rows, cols = rows[keep], cols[keep]
    prefixes = [
        f"{MEASUREMENT_RISK}{format_tags({TAG_HOME: home, TAG_ROOM: room})}"
        for home, room in zip(frame.homes, frame.rooms, strict=True)
    ]
    grids: list[tuple[str, npt.NDArray[Any], int | None]] = [
        ("mould_index", ind.mould_index, 4),
        ("surface_temperature_c", ind.surface_temperature_c, 2),
        ("surface_rh_pct", ind.surface_rh_pct, 2),
        ("overheating_night_pct", ind.overheating_night_pct, 2),
        ("score", ind.score, None),
    ]
    grids += [(name, ind.counts[name], None) for name in RISK_COUNTS]
    return _pieces(prefixes, rows, cols, frame.start_hour, grids)


def home_risk_lines(
    homes: Iterable[str],
    rows: Mapping[str, BoardRow],
    room_scores: Mapping[str, float],
    *,
    hour: int,
) -> list[str]:
    """One `home_risk` point per home (judged, or with open alerts) at the last processed hour."""
    lines = []
    for home in sorted(set(homes) | set(rows)):
        row = rows.get(home)
        own = ROOM_WEIGHT_WITHOUT_ALERT * room_scores.get(home, 0.0)
        score = max(row.score if row else 0.0, own)
        lines.append(
            home_risk_line(
                home,
                score=score,
                open_alerts=row.open_alerts if row else 0,
                overdue=row.overdue_alerts if row else 0,
                kinds=row.kinds if row else [],
                hour=hour,
            )
        )
    return lines


def device_health_lines(
    frame: DeviceFrame, health: DeviceHealth, first_new: int
) -> Iterator[list[str]]:
    """`device_health` points of every device for the new hours."""
    first_col = max(first_new - frame.start_hour, 0)
    hours = max(frame.hours - first_col, 0)
    rows = np.repeat(np.arange(len(frame.devices), dtype=np.int64), hours)
    cols = np.tile(np.arange(first_col, frame.hours, dtype=np.int64), len(frame.devices))
    prefixes = [
        f"{MEASUREMENT_DEVICE_HEALTH}{format_tags({TAG_HOME: home, TAG_DEVICE: device})}"
        for home, device in zip(frame.homes, frame.devices, strict=True)
    ]
    grids: list[tuple[str, npt.NDArray[Any], int | None]] = [
        (name, getattr(health, name), None)
        for name in ("last_seen_age_h", "offline", "battery_pct", "seq_gaps_7d", "stuck")
    ]
    return _pieces(prefixes, rows, cols, frame.start_hour, grids)


def alert_event_lines(events: Sequence[AlertEvent]) -> list[str]:
    """`alert` points of lifecycle changes (Grafana annotations), in the order given."""
    lines = []
    for sequence, event in enumerate(events):
        alert = event.alert
        text = str((alert.evidence or {}).get("text", ""))
        if event.action in ("resolved", "cleared"):
            text = f"resolved: {event.detail.get('reason', '')}"
        elif event.action not in ("opened", "escalated"):
            text = f"{event.action} by {event.actor}"
        lines.append(
            alert_line(
                home=alert.home_id,
                room=alert.room,
                kind=alert.kind,
                severity=alert.severity,
                alert_id=alert.id,
                status=event.status,
                text=text,
                at=event.at,
                sequence=sequence % 1000,
            )
        )
    return lines
