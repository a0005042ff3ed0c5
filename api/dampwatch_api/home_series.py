"""InfluxQL reads for pages and reports: hourly means per room, risk and device health.

Everything here is hourly at the finest, so nothing read for a page reveals when someone is home.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from dampwatch.const import (
    FIELD_DEW_POINT,
    MEASUREMENT_DEVICE_HEALTH,
    MEASUREMENT_READING,
    MEASUREMENT_RISK,
    TAG_DEVICE,
    TAG_HOME,
    TAG_ROOM,
)
from dampwatch.influx import InfluxQL
from dampwatch.psychrometrics import dew_point_c

HOURLY_FIELDS: Final = ("temperature_c", "humidity_pct", FIELD_DEW_POINT, "co2_ppm")
RISK_HOURS_FIELDS: Final = (
    "hours_rh70_7d",
    "hours_rh70_30d",
    "hours_surface80_7d",
    "hours_surface80_30d",
    "hours_below_dew_point_7d",
    "hours_below_18c_7d",
    "hours_below_16c_7d",
    "overheating_night_pct",
)
HEALTH_FIELDS: Final = ("last_seen_age_h", "offline", "battery_pct", "seq_gaps_7d", "stuck")
NO_ROOM: Final = ""


@dataclass
class HourlyRoom:
    """One room's hourly means, oldest first."""

    room: str
    times: list[datetime] = field(default_factory=list)
    values: dict[str, list[float | None]] = field(default_factory=lambda: defaultdict(list))

    def series(self, name: str) -> list[tuple[datetime, float]]:
        """The (time, value) pairs of one field where it has a value."""
        return [
            (moment, value)
            for moment, value in zip(self.times, self.values[name], strict=False)
            if value is not None
        ]

    def latest(self, name: str) -> float | None:
        """The newest value of one field."""
        for value in reversed(self.values[name]):
            if value is not None:
                return value
        return None


def quote(value: str) -> str:
    """An InfluxQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _range(home_id: str, start: datetime, end: datetime) -> str:
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    return f"{TAG_HOME} = {quote(home_id)} AND time >= {start_ms}ms AND time < {end_ms}ms"


def _time(row: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(row["time"] / 1000, UTC)


def _rows(series: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(series["columns"], values, strict=True)) for values in series["values"]]


def hourly_rooms(
    influx: InfluxQL, home_id: str, start: datetime, end: datetime
) -> list[HourlyRoom]:
    """Hourly means of temperature, humidity, dew point and CO₂ per room between two times."""
    means = ", ".join(f"mean({name}) AS {name}" for name in HOURLY_FIELDS)
    statement = (
        f"SELECT {means} FROM {MEASUREMENT_READING} WHERE {_range(home_id, start, end)} "  # noqa: S608
        f"GROUP BY time(1h), {TAG_ROOM} fill(none)"
    )
    rooms: list[HourlyRoom] = []
    for series in influx.query(statement):
        room = HourlyRoom((series.get("tags") or {}).get(TAG_ROOM) or NO_ROOM)
        for row in _rows(series):
            temperature, humidity = row.get("temperature_c"), row.get("humidity_pct")
            if (
                row.get(FIELD_DEW_POINT) is None
                and temperature is not None
                and humidity is not None
            ):
                row[FIELD_DEW_POINT] = dew_point_c(float(temperature), float(humidity))
            room.times.append(_time(row))
            for name in HOURLY_FIELDS:
                value = row.get(name)
                room.values[name].append(None if value is None else float(value))
        rooms.append(room)
    return sorted(rooms, key=lambda item: item.room)


def mould_trend(
    influx: InfluxQL, home_id: str, start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, float]]]:
    """The assessed mould index (0–6) of each room, hourly."""
    statement = (
        f"SELECT mould_index FROM {MEASUREMENT_RISK} WHERE {_range(home_id, start, end)} "  # noqa: S608
        f"GROUP BY {TAG_ROOM}"
    )
    trend: dict[str, list[tuple[datetime, float]]] = {}
    for series in influx.query(statement):
        room = (series.get("tags") or {}).get(TAG_ROOM) or NO_ROOM
        trend[room] = [
            (_time(row), float(row["mould_index"]))
            for row in _rows(series)
            if row.get("mould_index") is not None
        ]
    return trend


def latest_risk(
    influx: InfluxQL, home_id: str, start: datetime, end: datetime
) -> dict[str, dict[str, float]]:
    """The newest hours-above-threshold figures and mould index of each room up to `end`."""
    names = ("mould_index", "score", *RISK_HOURS_FIELDS)
    lasts = ", ".join(f"last({name}) AS {name}" for name in names)
    statement = (
        f"SELECT {lasts} FROM {MEASUREMENT_RISK} WHERE {_range(home_id, start, end)} "  # noqa: S608
        f"GROUP BY {TAG_ROOM}"
    )
    latest: dict[str, dict[str, float]] = {}
    for series in influx.query(statement):
        room = (series.get("tags") or {}).get(TAG_ROOM) or NO_ROOM
        for row in _rows(series):
            latest[room] = {name: float(row[name]) for name in names if row.get(name) is not None}
    return latest


def device_health(
    influx: InfluxQL, home_id: str, start: datetime, end: datetime
) -> dict[str, dict[str, float]]:
    """The newest health figures of each device of the home."""
    lasts = ", ".join(f"last({name}) AS {name}" for name in HEALTH_FIELDS)
    statement = (
        f"SELECT {lasts} FROM {MEASUREMENT_DEVICE_HEALTH} "  # noqa: S608
        f"WHERE {_range(home_id, start, end)} GROUP BY {TAG_DEVICE}"
    )
    health: dict[str, dict[str, float]] = {}
    for series in influx.query(statement):
        device = (series.get("tags") or {}).get(TAG_DEVICE) or NO_ROOM
        for row in _rows(series):
            health[device] = {
                name: float(row[name]) for name in HEALTH_FIELDS if row.get(name) is not None
            }
    return health
