"""Room frames from device aggregates: outdoor sensors, the stock's median outdoor temperature."""

from __future__ import annotations

import numpy as np

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.frame import DeviceFrame
from dampwatch.assessment.surface import SurfaceSource, surface_temperature
from dampwatch_api.assess.reader import HourlyReadings
from dampwatch_api.assess.registry import RegistryFacts
from dampwatch_api.assess.rooms import build_rooms, stock_median

DEVICES = [
    ("a", "a-out", "outdoor", 2.0),
    ("b", "b-out", "outdoor", 6.0),
    ("c", "c-out", "outdoor", 7.0),
    ("a", "a-1", "living-room", 20.0),
    ("d", "d-1", "bedroom-1", 18.0),
]


def readings() -> HourlyReadings:
    frame = DeviceFrame.empty(
        [d[0] for d in DEVICES], [d[1] for d in DEVICES], [d[2] for d in DEVICES], 500_000, 3
    )
    frame.temperature_c[:] = np.array([d[3] for d in DEVICES])[:, None]
    frame.temperature_c[1, 2] = np.nan  # one outdoor sensor silent in the last hour
    frame.humidity_pct[:] = 60.0
    nan = np.full(frame.count.shape, np.nan)
    return HourlyReadings(frame, nan.copy(), nan.copy())


def test_stock_median_per_hour_ignores_missing_sensors() -> None:
    outdoor = np.array([[2.0, 2.0, np.nan], [6.0, np.nan, np.nan], [7.0, 7.0, np.nan]])
    assert stock_median(outdoor)[:2].tolist() == [6.0, 4.5]
    assert np.isnan(stock_median(outdoor)[2])


def test_a_home_without_an_outdoor_sensor_takes_the_stock_median() -> None:
    rooms = build_rooms(readings(), [], RegistryFacts())
    assert list(zip(rooms.homes, rooms.rooms, strict=True)) == [
        ("a", "living-room"),
        ("d", "bedroom-1"),
    ]  # outdoor sensors are never judged as rooms
    assert rooms.outdoor_c[0].tolist() == [2.0, 2.0, 2.0]  # its own sensor
    assert rooms.outdoor_c[1].tolist() == [6.0, 6.0, 4.5]  # the median of a, b, c (b silent)
    assert rooms.outdoor_shared is not None
    assert rooms.outdoor_shared.tolist() == [[False] * 3, [True] * 3]
    _surface, source = surface_temperature(
        rooms.temperature_c, rooms.outdoor_c, rooms.probe_c, DEFAULT_CONFIG, rooms.outdoor_shared
    )
    assert source[:, 0].tolist() == [SurfaceSource.TEMPERATURE_FACTOR, SurfaceSource.AREA_OUTDOOR]


def test_a_configured_reference_home_wins_over_the_median() -> None:
    rooms = build_rooms(readings(), [], RegistryFacts(), outdoor_home="c")
    assert rooms.outdoor_c[1].tolist() == [7.0, 7.0, 7.0]
