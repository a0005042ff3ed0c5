"""Readings of a home from InfluxDB: the latest per room, and history downsampled with `every`.

Tenants see hourly aggregates at the finest: `every` below an hour is raised to an hour.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from dampwatch.const import FIELD_DEW_POINT, MEASUREMENT_READING, TAG_HOME, TAG_ROOM
from dampwatch.psychrometrics import dew_point_c
from dampwatch_api.deps import ContextDep, HomeRead, SignedIn
from dampwatch_api.policy import aggregated_only
from dampwatch_api.routes.data_rights import require_consent

router = APIRouter(prefix="/v1/homes/{home_id}/readings", tags=["readings"])

FIELDS = (
    "temperature_c",
    "humidity_pct",
    FIELD_DEW_POINT,
    "abs_humidity_gm3",
    "co2_ppm",
    "surface_temperature_c",
    "battery_pct",
)
DURATION_RE = re.compile(r"^([1-9][0-9]{0,5})(s|m|h|d|w)$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
MAX_EVERY_S = 400 * 86_400  # a year and a bit: beyond it one point says nothing more
# Readings are stamped by clocks of this century; InfluxDB refuses times far outside it.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
TENANT_FINEST_S = 3600
MAX_POINTS_PER_ROOM = 10_000
LATEST_WINDOW = "30d"


class ReadingPoint(BaseModel):
    """Values of one room at one time (a mean over the interval for history)."""

    time: datetime
    temperature_c: float | None = None
    humidity_pct: float | None = None
    dew_point_c: float | None = None
    abs_humidity_gm3: float | None = None
    co2_ppm: float | None = None
    surface_temperature_c: float | None = None
    battery_pct: float | None = None


class RoomSeries(BaseModel):
    """One room's points (`room` is null for devices not placed in a room)."""

    room: str | None
    points: list[ReadingPoint]


class ReadingsOut(BaseModel):
    """Readings of a home."""

    home_id: str
    every: str | None
    rooms: list[RoomSeries]


def _quote(value: str) -> str:
    # Ids are already validated against their patterns; quoting is the second line of defence.
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _seconds(every: str) -> int:
    match = DURATION_RE.fullmatch(every)
    if match is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "every must look like 5m, 1h or 1d"
        )
    seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)]
    if seconds > MAX_EVERY_S:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"every may be at most {MAX_EVERY_S // 86_400}d"
        )
    return seconds


def _point(row: dict[str, Any]) -> ReadingPoint:
    values = {name: row.get(name) for name in FIELDS}
    temperature, humidity = values["temperature_c"], values["humidity_pct"]
    if values[FIELD_DEW_POINT] is None and temperature is not None and humidity is not None:
        values[FIELD_DEW_POINT] = round(dew_point_c(float(temperature), float(humidity)), 2)
    return ReadingPoint(time=datetime.fromtimestamp(row["time"] / 1000, UTC), **values)


def _series(result: list[dict[str, Any]]) -> list[RoomSeries]:
    rooms: list[RoomSeries] = []
    for series in result:
        room = (series.get("tags") or {}).get(TAG_ROOM) or None
        rows = [dict(zip(series["columns"], values, strict=True)) for values in series["values"]]
        points = [_point(row) for row in rows if any(row.get(f) is not None for f in FIELDS)]
        rooms.append(RoomSeries(room=room, points=points))
    return sorted(rooms, key=lambda item: item.room or "")


@router.get("/latest", response_model=ReadingsOut)
def latest_readings(home: HomeRead, principal: SignedIn, context: ContextDep) -> ReadingsOut:
    """The newest values of each room (tenants: the newest hourly mean)."""
    require_consent(home)
    where = f"{TAG_HOME} = {_quote(home.home_id)} AND time > now() - {LATEST_WINDOW}"
    if aggregated_only(principal):
        means = ", ".join(f"mean({name}) AS {name}" for name in FIELDS)
        statement = (
            f"SELECT {means} FROM {MEASUREMENT_READING} WHERE {where} "  # noqa: S608
            f"GROUP BY time(1h), {TAG_ROOM} fill(none) ORDER BY time DESC LIMIT 1"
        )
        every: str | None = "1h"
    else:
        statement = (
            f"SELECT {', '.join(FIELDS)} FROM {MEASUREMENT_READING} WHERE {where} "  # noqa: S608
            f"GROUP BY {TAG_ROOM} ORDER BY time DESC LIMIT 1"
        )
        every = None
    return ReadingsOut(
        home_id=home.home_id, every=every, rooms=_series(context.influx.query(statement))
    )


@router.get("", response_model=ReadingsOut)
def reading_history(
    *,
    home: HomeRead,
    principal: SignedIn,
    context: ContextDep,
    start: datetime | None = None,
    end: datetime | None = None,
    every: Annotated[str, Query(max_length=8, description="interval, e.g. 5m, 1h, 1d")] = "1h",
    room: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")] = None,
) -> ReadingsOut:
    """Means over `every` between `start` (default a week ago) and `end` (default now)."""
    require_consent(home)
    seconds = _seconds(every)
    if aggregated_only(principal) and seconds < TENANT_FINEST_S:
        seconds, every = TENANT_FINEST_S, "1h"
    end_at = end or datetime.now(UTC)
    start_at = start or end_at - timedelta(days=7)
    if end_at.tzinfo is None or start_at.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "start and end need a timezone offset"
        )
    if start_at >= end_at:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "start must be before end")
    if start_at < EARLIEST or end_at > LATEST:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "start and end must lie between 1970 and 2200"
        )
    if (end_at - start_at).total_seconds() / seconds > MAX_POINTS_PER_ROOM:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"more than {MAX_POINTS_PER_ROOM} points per room: use a larger every",
        )
    means = ", ".join(f"mean({name}) AS {name}" for name in FIELDS)
    where = (
        f"{TAG_HOME} = {_quote(home.home_id)} "
        f"AND time >= {_epoch_ms(start_at)}ms AND time < {_epoch_ms(end_at)}ms"
    )
    if room is not None:
        where += f" AND {TAG_ROOM} = {_quote(room)}"
    statement = (
        f"SELECT {means} FROM {MEASUREMENT_READING} WHERE {where} "  # noqa: S608
        f"GROUP BY time({seconds}s), {TAG_ROOM} fill(none)"
    )
    return ReadingsOut(
        home_id=home.home_id, every=every, rooms=_series(context.influx.query(statement))
    )
