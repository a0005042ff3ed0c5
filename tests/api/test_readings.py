"""Readings endpoints on real data in a real InfluxDB: latest per room, history, dew point, tenants.

Two hours of readings every 10 minutes in two rooms of one home (the bathroom as the ingest
writes them, with dew point; the bedroom from an older writer, without), plus another home
whose readings must never show.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import fmean

import pytest

from dampwatch.const import MEASUREMENT_READING
from dampwatch.psychrometrics import dew_point_c
from dampwatch_api.db import migrate
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api, api_settings, seed, start_api
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers
STEP = timedelta(minutes=10)
POINTS = 12  # two hours
ROOMS = {"bathroom": ("th-1", 19.0, 70.0), "bedroom-1": ("th-2", 17.0, 55.0)}


def temperature(room: str, index: int) -> float:
    """The known temperature of `room` at point `index`."""
    return ROOMS[room][1] + 0.25 * index


def humidity(room: str, index: int) -> float:
    """The known relative humidity of `room` at point `index`."""
    return ROOMS[room][2] + 1.0 * index


def line(home: str, room: str, index: int, start: datetime, *, with_dew_point: bool) -> str:
    """One `reading` point as the ingest writes it."""
    device = ROOMS[room][0]
    t, rh = temperature(room, index), humidity(room, index)
    fields = f"temperature_c={t},humidity_pct={rh},battery_pct=90,seq={index}i"
    if with_dew_point:
        fields += f",dew_point_c={round(dew_point_c(t, rh), 2)}"
    moment = int((start + index * STEP).timestamp() * 1000)
    return f"{MEASUREMENT_READING},home={home},device={device},room={room} {fields} {moment}"


@pytest.fixture
def start() -> datetime:
    """The first point: on an hour boundary three hours ago."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)


@pytest.fixture
def readings_api(tmp_path: Path, influx_db: InfluxDatabase, start: datetime) -> Iterator[Api]:
    lines = [
        line(HOME_NORTH, room, index, start, with_dew_point=room == "bathroom")
        for room in ROOMS
        for index in range(POINTS)
    ]
    lines.append(line(HOME_SOUTH, "bathroom", 0, start, with_dew_point=True))
    influx_db.write("\n".join(lines))
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    yield from start_api(
        api_settings(url, tmp_path, influx_url=influx_db.url, influx_database=influx_db.database)
    )


def by_room(body: dict[str, object]) -> dict[str, list[dict[str, float | str | None]]]:
    """The response's points keyed by room."""
    return {series["room"]: series["points"] for series in body["rooms"]}  # type: ignore[attr-defined]


def test_latest_is_the_newest_reading_of_each_room(readings_api: Api, start: datetime) -> None:
    response = readings_api.call("GET", f"/v1/homes/{HOME_NORTH}/readings/latest", "officer-north")
    assert response.status_code == 200, response.text
    assert response.json()["every"] is None
    rooms = by_room(response.json())
    assert set(rooms) == set(ROOMS)
    last = POINTS - 1
    for room, points in rooms.items():
        (point,) = points
        assert datetime.fromisoformat(str(point["time"])) == start + last * STEP
        t, rh = temperature(room, last), humidity(room, last)
        assert point["temperature_c"] == pytest.approx(t)
        assert point["humidity_pct"] == pytest.approx(rh)
        # Stored by the ingest in the bathroom, derived for the bedroom: equal either way.
        assert point["dew_point_c"] == pytest.approx(dew_point_c(t, rh), abs=0.01)


def test_tenant_latest_is_the_newest_hourly_mean(readings_api: Api, start: datetime) -> None:
    response = readings_api.call("GET", f"/v1/homes/{HOME_NORTH}/readings/latest", "tenant-north")
    assert response.status_code == 200, response.text
    assert response.json()["every"] == "1h"
    last_hour = range(6, POINTS)  # the second hour's six points
    for room, (point,) in by_room(response.json()).items():
        assert datetime.fromisoformat(str(point["time"])) == start + timedelta(hours=1)
        assert point["temperature_c"] == pytest.approx(
            fmean(temperature(room, i) for i in last_hour)
        )


def test_history_is_downsampled_with_every(readings_api: Api, start: datetime) -> None:
    params = {
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "every": "30m",
    }
    response = readings_api.call(
        "GET", f"/v1/homes/{HOME_NORTH}/readings", "officer-north", params=params
    )
    assert response.status_code == 200, response.text
    assert response.json()["every"] == "30m"
    rooms = by_room(response.json())
    assert set(rooms) == set(ROOMS)
    for room, points in rooms.items():
        assert len(points) == POINTS // 3
        for bucket, point in enumerate(points):
            indexes = range(bucket * 3, bucket * 3 + 3)
            assert datetime.fromisoformat(str(point["time"])) == start + bucket * 3 * STEP
            mean_t = fmean(temperature(room, i) for i in indexes)
            mean_rh = fmean(humidity(room, i) for i in indexes)
            assert point["temperature_c"] == pytest.approx(mean_t)
            assert point["humidity_pct"] == pytest.approx(mean_rh)
            assert point["dew_point_c"] == pytest.approx(dew_point_c(mean_t, mean_rh), abs=0.05)
            assert point["co2_ppm"] is None

    one_room = readings_api.call(
        "GET",
        f"/v1/homes/{HOME_NORTH}/readings",
        "officer-north",
        params=params | {"room": "bedroom-1"},
    )
    assert set(by_room(one_room.json())) == {"bedroom-1"}


def test_tenant_history_is_hourly_at_finest(readings_api: Api, start: datetime) -> None:
    params = {"start": start.isoformat(), "every": "5m"}
    response = readings_api.call(
        "GET", f"/v1/homes/{HOME_NORTH}/readings", "tenant-north", params=params
    )
    assert response.status_code == 200, response.text
    assert response.json()["every"] == "1h"
    for room, points in by_room(response.json()).items():
        assert [datetime.fromisoformat(str(p["time"])) for p in points] == [
            start,
            start + timedelta(hours=1),
        ]
        assert points[0]["temperature_c"] == pytest.approx(
            fmean(temperature(room, i) for i in range(6))
        )


def test_readings_of_another_home_or_bad_intervals_are_refused(readings_api: Api) -> None:
    for who in ("tenant-south", "officer-south"):
        refused = readings_api.call("GET", f"/v1/homes/{HOME_NORTH}/readings/latest", who)
        assert refused.status_code == 404
    south = readings_api.call("GET", f"/v1/homes/{HOME_SOUTH}/readings/latest", "tenant-south")
    assert set(by_room(south.json())) == {"bathroom"}
    for every in ("0m", "1y", "10", "5 m"):
        bad = readings_api.call(
            "GET", f"/v1/homes/{HOME_NORTH}/readings", "admin", params={"every": every}
        )
        assert bad.status_code == 422 and "every" in bad.json()["detail"]
    too_many = readings_api.call(
        "GET", f"/v1/homes/{HOME_NORTH}/readings", "admin", params={"every": "1s"}
    )
    assert too_many.status_code == 422 and "points per room" in too_many.json()["detail"]
