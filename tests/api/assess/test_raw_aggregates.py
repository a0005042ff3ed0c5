"""Hourly aggregates made in the worker from raw points equal InfluxDB's own `GROUP BY time(1h)`.

The reference is InfluxDB itself: the statement the assessment used to send, run on the same
readings, messy on purpose (a device moved between rooms within an hour, readings with only a
humidity or only a temperature, a wall probe, CO2, sequence numbers, batteries, points on the
hour's edges, a field no reading of a slice carries).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from dampwatch.influx import InfluxBadData, InfluxQL
from dampwatch_api.assess.reader import NS_PER_HOUR, _sliced, raw_statement, read_hourly
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_stack.servers import InfluxServer
from tests.support import InfluxDatabase

START = datetime(2026, 2, 2, tzinfo=UTC)
HOURS = 40
FIRST = int(START.timestamp()) // 3600
# InfluxDB's aggregates, as the assessment read them before it aggregated raw points itself.
REFERENCE = (
    'SELECT mean("temperature_c") AS temperature_c, mean("humidity_pct") AS humidity_pct, '
    'mean("surface_temperature_c") AS probe_c, mean("co2_ppm") AS co2_ppm, '
    'count("temperature_c") AS count_t, count("humidity_pct") AS count_h, '
    'min("battery_pct") AS battery_pct, min("seq") AS seq_min, max("seq") AS seq_max '
    'FROM "reading" WHERE time >= {first} AND time < {end} '
    'GROUP BY time(1h), "home", "device", "room" fill(none)'
)


def _messy_lines(seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for home in ("h1", "h2", "h3"):
        for number in range(3):
            device = f"{home}-d{number}"
            seq = rng.randrange(1000)
            at = START + timedelta(seconds=rng.randrange(600))
            while at < START + timedelta(hours=HOURS - 10):  # the slice after: no co2 at all
                # d0 moves to the hall and back within some hours
                room = (
                    "hall" if number == 0 and at.hour % 3 == 0 and at.minute < 25 else "bedroom-1"
                )
                fields = []
                shape = rng.random()
                if shape > 0.1:
                    fields.append(f"temperature_c={rng.uniform(5, 25):.2f}")
                if shape < 0.9:
                    fields.append(f"humidity_pct={rng.uniform(30, 99):.1f}")
                if number == 1:
                    fields.append(f"surface_temperature_c={rng.uniform(5, 18):.2f}")
                if number == 2 and at < START + timedelta(hours=HOURS - 20):
                    fields.append(f"co2_ppm={rng.randrange(400, 2500)}i")
                if rng.random() < 0.8:
                    seq += 1
                    fields.append(f"seq={seq}i")
                if rng.random() < 0.5:
                    fields.append(f"battery_pct={rng.randrange(5, 100)}i")
                stamp = int(at.timestamp() * 1000)
                lines.append(
                    f"reading,device={device},home={home},room={room} {','.join(fields)} {stamp}"
                )
                # steps that land on and around the hour's edge
                at += timedelta(seconds=rng.choice([1, 59, 600, 1799, 3600 - at.second]))
    return lines


@pytest.fixture
def influx(influx_db: InfluxDatabase) -> InfluxQL:
    influx_db.write("\n".join(_messy_lines(7)))
    settings = AssessSettings(
        influx_url=influx_db.url, influx_api="v1", influx_database=influx_db.database
    )
    return InfluxQL(settings, timeout_s=30)


def _reference(influx: InfluxQL) -> dict[tuple[str, str, int], list[dict[str, Any]]]:
    statement = REFERENCE.format(first=FIRST * NS_PER_HOUR, end=(FIRST + HOURS) * NS_PER_HOUR)
    cells: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for series in influx.query(statement):
        tags = series["tags"]
        for values in series["values"]:
            record = dict(zip(series["columns"], values, strict=True))
            col = int(record["time"]) // 3_600_000 - FIRST
            cells.setdefault((tags["home"], tags["device"], col), []).append(record)
    return cells


def _close(ours: float, theirs: Any) -> bool:
    if theirs is None:
        return bool(np.isnan(ours))
    return bool(np.isclose(ours, float(theirs), rtol=1e-9, atol=1e-9))


@pytest.mark.servers
@pytest.mark.parametrize("hours_per_query", [HOURS, 5])
def test_raw_points_aggregate_to_what_influxdb_computes(
    influx: InfluxQL, hours_per_query: int
) -> None:
    reference = _reference(influx)
    ours = read_hourly(influx, FIRST, FIRST + HOURS, [], hours_per_query=hours_per_query, workers=2)
    frame = ours.frame
    assert len(reference) > 200
    assert any(len(records) == 2 for records in reference.values())  # moved within an hour
    for (home, device, col), records in reference.items():
        # A moved device has two series in the hour: the one with the larger count is kept,
        # the later in InfluxDB's order (by room) on a tie.
        record = max(
            enumerate(records),
            key=lambda item: (item[1]["count_t"] or bool(item[1]["count_h"]), item[0]),
        )[1]
        row = ours.index[home, device]
        count = record["count_t"] or (1 if record["count_h"] else 0)
        assert frame.count[row, col] == count, (home, device, col)
        for name, grid in (
            ("temperature_c", frame.temperature_c),
            ("humidity_pct", frame.humidity_pct),
            ("probe_c", ours.probe_c),
            ("co2_ppm", ours.co2_ppm),
            ("battery_pct", frame.battery_pct),
            ("seq_min", frame.seq_min),
            ("seq_max", frame.seq_max),
        ):
            assert _close(grid[row, col], record[name]), (name, home, device, col)
        assert _close(frame.seq_count[row, col], count if record["seq_min"] is not None else None)
    present = {(home, device, col) for home, device, col in reference}
    for (home, device), row in ours.index.items():
        for col in np.flatnonzero(frame.count[row] > 0):
            assert (home, device, int(col)) in present  # no hour made up


@pytest.mark.servers
@pytest.mark.parametrize("packed", [True, False])
def test_an_answer_cut_short_by_influxdb_is_an_error(
    influx_factory: Callable[..., InfluxServer], packed: bool
) -> None:
    limited = influx_factory(max_row_limit=50)
    limited.create_database("cut")
    database = InfluxDatabase(limited, "cut")
    database.write("\n".join(_messy_lines(8)))
    settings = AssessSettings(influx_url=limited.url, influx_api="v1", influx_database="cut")
    influx = InfluxQL(settings, timeout_s=30)
    within = influx.query('SELECT "humidity_pct" FROM "reading" LIMIT 50', packed=packed)
    assert sum(len(series["values"]) for series in within) == 50
    with pytest.raises(InfluxBadData, match="cut the answer short"):
        read_hourly(influx, FIRST, FIRST + HOURS, [], hours_per_query=HOURS)


@pytest.mark.servers
def test_slices_are_sized_to_the_points_budget(influx: InfluxQL) -> None:
    budget = 150
    first = FIRST - 7  # hours before any reading: the empty slices grow
    slices = [
        (low, high, sum(len(series["values"]) for series in answer))
        for low, high, answer in _sliced(
            influx,
            raw_statement,
            first,
            FIRST + HOURS,
            hours_per_query=24,
            workers=2,
            max_points=budget,
        )
    ]
    assert slices[0][:2] == (first, first + 1)  # the first slice, one hour, read alone
    assert [low for low, _high, _points in slices[1:]] == [high for _l, high, _p in slices[:-1]]
    assert slices[-1][1] == FIRST + HOURS  # every hour once, in order
    widths = [high - low for low, high, _points in slices]
    assert widths[:4] == [1, 2, 4, 8]  # nothing yet: each slice twice the last
    with_data = [(high - low, points) for low, high, points in slices if points]
    assert len(with_data) > 5
    # A slice holds about the budget: the densest hour seen so far sets the next one's hours.
    assert all(points <= 2 * budget for _width, points in with_data[1:])
    assert max(width for width, _points in with_data[1:]) < 24
