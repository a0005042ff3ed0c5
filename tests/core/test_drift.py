"""Humidity drift: told from a room getting damp by the home's other sensors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.devices import DeviceStart, device_health, without_faulty
from dampwatch.assessment.drift import DriftState, humidity_drift
from dampwatch.assessment.frame import DeviceFrame, hour_index
from dampwatch.assessment.kinds import AlertKind
from dampwatch.assessment.rules import RAISE
from dampwatch.psychrometrics import relative_humidity_pct, vapour_pressure_hpa

START = hour_index(datetime(2026, 1, 5, tzinfo=UTC))  # midnight, GMT: UTC is UK local time
DAYS = 30
ROOMS = ["living-room", "bedroom-1", "kitchen"]


def home_frame(drift_from_day: int | None, rate_pct_per_day: float = 1.5) -> DeviceFrame:
    """Three sensors in one home whose vapour pressure follows the weather together."""
    hours = DAYS * 24
    frame = DeviceFrame.empty(["h"] * 3, ["lr", "bed", "kit"], ROOMS, START, hours)
    rng = np.random.default_rng(3)
    day = np.arange(hours) / 24.0
    weather = 10.0 + 2.0 * np.sin(day / 3.0) + 0.1 * day  # hPa, shared by all rooms
    for row, (temperature, offset) in enumerate([(20.0, 0.8), (18.0, 0.0), (19.0, 1.2)]):
        vapour = weather + offset + rng.normal(0, 0.15, hours)
        frame.count[row] = 12
        frame.temperature_c[row] = temperature + rng.normal(0, 0.2, hours)
        frame.humidity_pct[row] = [
            relative_humidity_pct(t, v)
            for t, v in zip(frame.temperature_c[row], vapour, strict=True)
        ]
    if drift_from_day is not None:
        drifting = np.clip(day - drift_from_day, 0, None) * rate_pct_per_day
        frame.humidity_pct[1] = np.minimum(frame.humidity_pct[1] + drifting, 100.0)
    return frame


def health_of(frame: DeviceFrame, start: DeviceStart | None = None):  # type: ignore[no-untyped-def]
    start = start or DeviceStart.unknown(len(frame.devices), 25.0)
    return device_health(frame, start, np.zeros(len(frame.devices)), DEFAULT_CONFIG)


def test_steady_sensors_in_changing_weather_do_not_drift() -> None:
    health = health_of(home_frame(None))
    assert not health.humidity_drift.any()
    assert not (health.verdicts[AlertKind.SENSOR_FAULT].verdict == RAISE).any()


def test_a_sensor_creeping_up_against_its_home_is_found_within_a_fortnight() -> None:
    frame = home_frame(drift_from_day=8)
    health = health_of(frame)
    flagged = np.flatnonzero(health.humidity_drift[1])
    assert flagged.size, "the drifting bedroom sensor was not found"
    assert 8 * 24 < flagged[0] < 22 * 24
    assert not health.humidity_drift[[0, 2]].any()
    assert (health.verdicts[AlertKind.SENSOR_FAULT].verdict[1, flagged[0] :] == RAISE).all()
    # The room is still judged, on its humidity less the drift found, and says so.
    trusted = without_faulty(frame, health, DEFAULT_CONFIG)
    true_rh = home_frame(None).humidity_pct[1]
    after = slice(flagged[0], None)
    assert np.isfinite(trusted.humidity_pct[1, after]).all()
    assert trusted.drift_offset_pct is not None
    assert (trusted.drift_offset_pct[1, after] > 0).all()
    assert np.isnan(trusted.drift_offset_pct[[0, 2]]).all()
    # Within a day's creep (1.5 %RH) and the sensors' noise of the true humidity, not 30 % over.
    error = trusted.humidity_pct[1, after] - true_rh[after]
    assert np.median(np.abs(error)) < 4.0, np.median(np.abs(error))
    assert np.isfinite(trusted.temperature_c[1, after]).all()
    assert (trusted.humidity_pct[1, : 8 * 24] == frame.humidity_pct[1, : 8 * 24]).all()


def test_a_home_with_one_sensor_has_nothing_to_compare_against() -> None:
    frame = home_frame(drift_from_day=2)
    alone = DeviceFrame.empty(["h"], ["bed"], ["bedroom-1"], START, frame.hours)
    for name in ("count", "temperature_c", "humidity_pct"):
        getattr(alone, name)[0] = getattr(frame, name)[1]
    assert not health_of(alone).humidity_drift.any()


def test_cycles_over_short_frames_find_what_one_long_frame_finds() -> None:
    frame = home_frame(drift_from_day=6)
    whole = humidity_drift(frame, DriftState.unknown(3), DEFAULT_CONFIG).drifting
    state, found = DriftState.unknown(3), []
    for start in range(0, frame.hours, 24):  # a day at a time, as an hourly job's state does
        part = slice_hours(frame, start, start + 24)
        result = humidity_drift(part, state, DEFAULT_CONFIG)
        state = result.state
        found.append(result.drifting)
    assert (np.concatenate(found, axis=1) == whole).all()
    assert whole[1].any()


def test_a_replaced_sensor_clears_the_drift() -> None:
    frame = home_frame(drift_from_day=4, rate_pct_per_day=2.0)
    recalibrated_from = 24 * 22
    frame.humidity_pct[1, recalibrated_from:] = home_frame(None).humidity_pct[1, recalibrated_from:]
    drifting = humidity_drift(frame, DriftState.unknown(3), DEFAULT_CONFIG).drifting[1]
    assert drifting[:recalibrated_from].any()
    assert not drifting[recalibrated_from + 24 :].any()


def slice_hours(frame: DeviceFrame, start: int, end: int) -> DeviceFrame:
    """The frame's hours [start, end)."""
    grids = {
        name: value[:, start:end]
        for name, value in vars(frame).items()
        if isinstance(value, np.ndarray)
    }
    return replace(frame, start_hour=frame.start_hour + start, **grids)


def test_a_room_turning_damp_then_damper_in_a_cold_snap_is_not_drift() -> None:
    """The onset is a step; the cold snap's rise comes with the room cooling: both a room's."""
    frame = home_frame(None)
    day = np.arange(frame.hours) / 24.0
    onset, snap = 8.0, 12.0
    # From the onset the bedroom holds 1.5 hPa more vapour (washing dried, vents shut); in the
    # snap it cools by 0.2 K a night and its excess grows by 0.25 hPa a night, for 7 nights.
    cooling = np.clip(day - snap, 0, 7) * 0.2
    excess = np.where(day >= onset, 1.5, 0.0) + np.clip(day - snap, 0, 7) * 0.25
    temperature = frame.temperature_c[1] - cooling
    vapour = [
        vapour_pressure_hpa(t, h) + e
        for t, h, e in zip(frame.temperature_c[1], frame.humidity_pct[1], excess, strict=True)
    ]
    frame.temperature_c[1] = temperature
    frame.humidity_pct[1] = [
        relative_humidity_pct(t, v) for t, v in zip(temperature, vapour, strict=True)
    ]
    # Damp, but every night of the onset and the snap still compared (below 90 %).
    assert np.nanmax(frame.humidity_pct[1, : 21 * 24]) < 90.0
    health = health_of(frame)
    assert not health.humidity_drift.any()
    assert not (health.verdicts[AlertKind.SENSOR_FAULT].verdict == RAISE).any()


def test_a_creep_that_swings_back_and_forth_is_not_drift() -> None:
    """A gap between two levels some nights (a window opened, a room slept in) is no creep."""
    frame = home_frame(None)
    day = np.arange(frame.hours) / 24.0
    high_nights = (np.floor(day).astype(int) % 3) == 0
    vapour = [
        vapour_pressure_hpa(t, h) + (3.5 if high else 0.0)
        for t, h, high in zip(
            frame.temperature_c[1], frame.humidity_pct[1], high_nights, strict=True
        )
    ]
    frame.humidity_pct[1] = [
        relative_humidity_pct(t, v) for t, v in zip(frame.temperature_c[1], vapour, strict=True)
    ]
    assert not health_of(frame).humidity_drift.any()


def test_a_night_the_other_rooms_were_aired_before_the_creep_does_not_hide_it() -> None:
    # A window opened one night lifts every sensor's gap to the others' median for that night
    # only, the drifting one's too; the creep then carries on from its own level, not a step.
    frame = home_frame(drift_from_day=8)
    aired = home_frame(drift_from_day=8)
    night = slice(9 * 24 + 1, 9 * 24 + 7)
    for row in (0, 2):
        aired.humidity_pct[row, night] = np.minimum(frame.humidity_pct[row, night] + 8.0, 100.0)
    plain = np.flatnonzero(health_of(frame).humidity_drift[1])
    found = np.flatnonzero(health_of(aired).humidity_drift[1])
    assert plain.size and found.size
    assert found[0] <= plain[0] + 24


def test_a_drift_through_saturated_nights_keeps_creeping_in_its_correction() -> None:
    frame = home_frame(drift_from_day=6, rate_pct_per_day=2.0)
    health = health_of(frame)
    flagged = np.flatnonzero(health.humidity_drift[1])
    assert flagged.size
    wet = slice(flagged[0], flagged[0] + 3 * 24)  # the three nights after: past drift_wet_pct
    frame.humidity_pct[0, wet] = 95.0
    trusted = without_faulty(frame, health_of(frame), DEFAULT_CONFIG)
    assert trusted.drift_offset_pct is not None
    offset = trusted.drift_offset_pct[1]
    # The correction grows through the nights not compared, as the creep does (2 %RH a day).
    assert offset[wet.stop + 6] - offset[wet.start + 6] > 3.0
