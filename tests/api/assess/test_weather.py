"""The outdoor temperature of homes without a sensor: a weather feed (a file, a loopback HTTP
server), else the region's climate by month; the wall estimate and its evidence follow."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from bench.assess_hourly import hourly_readings

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.frame import hour_index
from dampwatch.assessment.surface import OutdoorSource, SurfaceSource, surface_temperature
from dampwatch.climate import monthly_outdoor_c
from dampwatch_api.assess.registry import RegistryFacts
from dampwatch_api.assess.rooms import build_rooms
from dampwatch_api.assess.weather import feed_outdoor_c

START = datetime(2026, 1, 5, tzinfo=UTC)
FIRST = hour_index(START)


def feed_body(hours: int, temperature: float) -> bytes:
    times = [(START + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M") for h in range(hours)]
    values: list[float | None] = [temperature] * hours
    values[3] = None  # a feed's gap: no value for that hour
    return json.dumps({"hourly": {"time": times, "temperature_2m": values}}).encode()


@pytest.fixture
def weather_server() -> Iterator[str]:
    body = feed_body(48, 2.5)

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/forecast?hourly=temperature_2m"
    finally:
        server.shutdown()
        server.server_close()


def test_a_feed_file_gives_the_hours_it_has(tmp_path: Path) -> None:
    path = tmp_path / "weather.json"
    path.write_bytes(feed_body(24, -1.0))
    values = feed_outdoor_c(str(path), FIRST, 30)
    assert values is not None
    assert (values[:3] == -1.0).all() and np.isnan(values[3]) and (values[4:24] == -1.0).all()
    assert np.isnan(values[24:]).all()


def test_a_feed_over_http_is_read(weather_server: str) -> None:
    values = feed_outdoor_c(weather_server, FIRST + 1, 10)
    assert values is not None and values[0] == 2.5 and np.isnan(values[2])


def test_an_unreadable_feed_falls_back_without_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert feed_outdoor_c(str(broken), FIRST, 5) is None
    assert feed_outdoor_c(str(tmp_path / "missing.json"), FIRST, 5) is None
    assert feed_outdoor_c(None, FIRST, 5) is None
    assert "climate" in caplog.text


def test_the_climate_follows_the_months() -> None:
    january = monthly_outdoor_c(hour_index(datetime(2026, 1, 16, tzinfo=UTC)), 1)[0]
    july = monthly_outdoor_c(hour_index(datetime(2026, 7, 16, tzinfo=UTC)), 1)[0]
    assert 3.5 < january < 5.0 and 14.5 < july < 16.5
    days = monthly_outdoor_c(FIRST, 24 * 60)
    assert np.abs(np.diff(days)).max() < 0.01  # no jump at the turn of a month


def test_the_wall_follows_the_indoor_outdoor_difference() -> None:
    air = np.array([[13.0, 21.0]])
    outdoor = np.array([[9.0, -3.0]])
    source = np.array([[OutdoorSource.CLIMATE, OutdoorSource.FEED]], np.int8)
    surface, used = surface_temperature(
        air, outdoor, np.full((1, 2), np.nan), DEFAULT_CONFIG, outdoor_source=source
    )
    # A 13 °C room on a mild day: 1 K below its air; a 21 °C room in a frost: 6 K below.
    np.testing.assert_allclose(surface, [[12.0, 15.0]])
    assert used.tolist() == [[SurfaceSource.CLIMATE_OUTDOOR, SurfaceSource.FEED_OUTDOOR]]


def readings_of(
    rooms: dict[str, float], hours: int
) -> list[tuple[str, str, str, list[dict[str, float]]]]:
    batches = []
    for room, temperature in rooms.items():
        readings = [
            {
                "ts": START.timestamp() + 3600 * h + 60,
                "temperature_c": temperature,
                "humidity_pct": 60.0,
            }
            for h in range(hours)
        ]
        batches.append(("h1" if room != "outdoor" else "h2", f"d-{room}", room, readings))
    return batches


def test_rooms_take_the_feed_else_the_climate_and_say_which() -> None:
    hours = 30
    readings = hourly_readings(readings_of({"bedroom-1": 16.0}, hours), FIRST, hours)
    feed = np.full(hours, np.nan)
    feed[:10] = 1.0
    rooms = build_rooms(readings, [], RegistryFacts(), weather_c=feed)
    assert rooms.outdoor_source is not None
    assert (rooms.outdoor_c[0, :10] == 1.0).all()
    assert (rooms.outdoor_source[0, :10] == OutdoorSource.FEED).all()
    climate = monthly_outdoor_c(FIRST, hours)
    np.testing.assert_allclose(rooms.outdoor_c[0, 10:], climate[10:])
    assert (rooms.outdoor_source[0, 10:] == OutdoorSource.CLIMATE).all()
    # Another home's outdoor sensor (the stock's median) comes before the climate.
    both = hourly_readings(readings_of({"bedroom-1": 16.0, "outdoor": 3.0}, hours), FIRST, hours)
    rooms = build_rooms(both, [], RegistryFacts())
    assert rooms.outdoor_source is not None
    assert (rooms.outdoor_c[0] == 3.0).all()
    assert (rooms.outdoor_source[0] == OutdoorSource.AREA).all()
