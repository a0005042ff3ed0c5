"""The job's InfluxQL reads against a real InfluxDB: slicing a window changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from dampwatch.assessment.frame import hour_index
from dampwatch.influx import InfluxQL
from dampwatch_api.assess.reader import read_fingerprints, read_hourly
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.window import changed_hours
from tests.support import InfluxDatabase

START = datetime(2026, 1, 10, tzinfo=UTC)
HOURS = 30


def line(home: str, device: str, at: datetime, temperature: float, humidity: float) -> str:
    return (
        f"reading,device={device},home={home},room=bedroom-1 temperature_c={temperature},"
        f"humidity_pct={humidity} {int(at.timestamp() * 1000)}"
    )


def readings() -> list[str]:
    lines = []
    for step in range(HOURS * 4):
        at = START + timedelta(minutes=15 * step)
        for home in ("a", "b", "c"):
            lines.append(line(home, f"{home}-1", at, 19.0 + step % 5 * 0.1, 60.0 + step % 7))
    return lines


@pytest.fixture
def influx(influx_db: InfluxDatabase) -> InfluxQL:
    influx_db.write("\n".join(readings()))
    settings = AssessSettings(
        influx_url=influx_db.url, influx_api="v1", influx_database=influx_db.database
    )
    return InfluxQL(settings, timeout_s=settings.assess_query_timeout_s)


@pytest.mark.servers
def test_a_window_read_in_slices_equals_one_request(influx: InfluxQL) -> None:
    first = hour_index(START)
    whole = read_hourly(influx, first, first + HOURS, [], hours_per_query=HOURS)
    sliced = read_hourly(influx, first, first + HOURS, [], hours_per_query=7, workers=3)
    assert sorted(whole.index) == sorted(sliced.index) == [("a", "a-1"), ("b", "b-1"), ("c", "c-1")]
    for key, row in whole.index.items():
        other = sliced.index[key]
        for name in ("count", "temperature_c", "humidity_pct"):
            np.testing.assert_array_equal(
                getattr(whole.frame, name)[row], getattr(sliced.frame, name)[other]
            )
    assert (whole.frame.count == 4).all()
    prints = read_fingerprints(influx, first, first + HOURS, hours_per_query=HOURS)
    sliced_prints = read_fingerprints(influx, first, first + HOURS, hours_per_query=7, workers=3)
    np.testing.assert_allclose(prints, sliced_prints, rtol=1e-12)
    assert prints[:, 0].tolist() == [12.0] * HOURS  # three devices, four readings an hour


@pytest.mark.servers
def test_a_late_or_rewritten_reading_changes_its_hours_fingerprint(
    influx: InfluxQL, influx_db: InfluxDatabase
) -> None:
    first = hour_index(START)
    before = read_fingerprints(influx, first, first + HOURS, hours_per_query=7, workers=2)
    influx_db.write(line("b", "b-1", START + timedelta(hours=3, minutes=5), 19.0, 60.0))
    rewritten = START + timedelta(hours=20, minutes=15)  # an existing reading, new humidity
    influx_db.write(line("c", "c-1", rewritten, 19.0, 99.0))
    after = read_fingerprints(influx, first, first + HOURS, hours_per_query=7, workers=2)
    assert changed_hours(before, after).tolist() == [3, 20]
