"""The pure assessment models: surface estimate, indicators, rules, device health, priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from dampwatch import mould
from dampwatch.assessment.config import DEFAULT_CONFIG, HOURS_30D
from dampwatch.assessment.devices import (
    DeviceFrame,
    DeviceStart,
    device_health,
    without_faulty,
)
from dampwatch.assessment.frame import RoomFrame, hour_index
from dampwatch.assessment.indicators import MouldGrid, assess_rooms, run_mould
from dampwatch.assessment.kinds import SEVERITY_RANK, AlertKind, Severity, hazard_level
from dampwatch.assessment.priority import OpenAlertView, home_priority
from dampwatch.assessment.rules import CLEAR, HOLD, RAISE, room_finding, room_verdicts
from dampwatch.assessment.surface import SurfaceSource, surface_temperature
from dampwatch.assessment.timeline import Episode, episodes
from dampwatch.psychrometrics import relative_humidity_pct, vapour_pressure_hpa
from dampwatch.psychrometrics_array import surface_rh_pct as surface_rh
from dampwatch.statutory import UK_TIMEZONE, HazardLevel

START = hour_index(datetime(2026, 1, 5, tzinfo=UTC))  # a Monday, GMT


def frame_of(temperature: np.ndarray, humidity: np.ndarray, room: str = "bedroom-1") -> RoomFrame:
    frame = RoomFrame.empty(["h"], [room], START, temperature.size)
    frame.temperature_c = temperature.reshape(1, -1).astype(float)
    frame.humidity_pct = humidity.reshape(1, -1).astype(float)
    return frame


def verdicts_of(frame: RoomFrame) -> dict[AlertKind, np.ndarray]:
    ind = assess_rooms(
        frame, np.zeros((1, HOURS_30D), np.uint16), MouldGrid.zeros(1), DEFAULT_CONFIG
    )
    found = room_verdicts(frame, ind, np.zeros(1, bool), DEFAULT_CONFIG)
    return {kind: grid.verdict[0] for kind, grid in found.items()}


def test_surface_prefers_probe_then_temperature_factor_then_margin() -> None:
    air = np.array([20.0, 20.0, 20.0, np.nan])
    outdoor = np.array([0.0, 0.0, np.nan, 0.0])
    probe = np.array([12.0, np.nan, np.nan, np.nan])
    surface, source = surface_temperature(air, outdoor, probe, DEFAULT_CONFIG)
    # 0 + 0.75·(20 - 0) = 15 °C (BRE IP1/06); room air less 3 K without outdoor data.
    assert surface[:3].tolist() == [12.0, 15.0, 17.0]
    assert source.tolist() == [
        SurfaceSource.WALL_PROBE,
        SurfaceSource.TEMPERATURE_FACTOR,
        SurfaceSource.AIR_MARGIN,
        SurfaceSource.NONE,
    ]


def test_surface_rh_matches_the_core_psychrometrics() -> None:
    # 20 °C / 60 % air at a 15 °C wall: 60 · e_s(20)/e_s(15) = 60 · 23.37/17.04 ≈ 82.3 %.
    vector = surface_rh(np.array([20.0]), np.array([60.0]), np.array([15.0]))[0]
    assert vector == pytest.approx(relative_humidity_pct(15.0, vapour_pressure_hpa(20.0, 60.0)))
    assert vector == pytest.approx(82.3, abs=0.1)
    assert surface_rh(np.array([20.0]), np.array([90.0]), np.array([10.0]))[0] == 100.0


def test_an_estimated_wall_must_clear_the_limit_by_the_sensors_accuracy() -> None:
    # 20 °C air at 67.2 % over a wall at 17 °C: 67.2 · e_s(20)/e_s(17) ≈ 81 % at the surface.
    # A probe measuring 17 °C puts the wall over 80 %; the same 17 °C estimated from the room air
    # (a 3 K margin) is within the humidity sensor's ±2 %RH of 80 %, so it is not counted.
    hours = 24 * 7
    temperature, humidity = np.full(hours, 20.0), np.full(hours, 67.2)
    assert surface_rh(temperature[:1], humidity[:1], np.array([17.0]))[0] == pytest.approx(
        81.0, abs=0.1
    )
    counted = {}
    for name, probe in (("probed", 17.0), ("estimated", np.nan)):
        frame = frame_of(temperature, humidity)
        frame.probe_c = np.full((1, hours), probe)
        ind = assess_rooms(
            frame, np.zeros((1, HOURS_30D), np.uint16), MouldGrid.zeros(1), DEFAULT_CONFIG
        )
        assert ind.surface_temperature_c[0, -1] == pytest.approx(17.0)
        counted[name] = int(ind.counts["hours_surface80_7d"][0, -1])
    assert counted == {"probed": hours, "estimated": 0}


def test_vectorised_mould_equals_the_scalar_model() -> None:
    rng = np.random.default_rng(1)
    temperature = rng.uniform(5, 25, (3, 400))
    humidity = rng.uniform(70, 100, (3, 400))
    humidity[1, 100:200] = np.nan
    index, _dry = run_mould(temperature, humidity, MouldGrid.zeros(3))
    for row in range(3):
        scalar = mould.run(zip(temperature[row], humidity[row], strict=True))
        assert index[row] == pytest.approx(scalar, abs=1e-9)


def test_shower_peaks_never_raise_but_damp_days_do() -> None:
    hours = 24 * 14
    temperature = np.full(hours, 20.0) + 0.1 * np.sin(np.arange(hours))
    showers = np.where(np.arange(hours) % 24 == 7, 97.0, 55.0)
    shower_verdicts = verdicts_of(frame_of(temperature, showers, "bathroom"))
    assert not (shower_verdicts[AlertKind.CONDENSATION_RISK] == RAISE).any()
    assert not (shower_verdicts[AlertKind.MOULD_RISK] == RAISE).any()
    damp = np.where(np.arange(hours) < 72, 50.0, 78.0)  # onset at hour 72
    damp_verdicts = verdicts_of(frame_of(temperature, damp))[AlertKind.CONDENSATION_RISK]
    first = int(np.flatnonzero(damp_verdicts == RAISE)[0])
    assert first - 72 + 1 == 72  # 72 hours at ≥ 80 % at the wall, room air ≥ 70 %


def test_condensation_needs_damp_days_in_a_row() -> None:
    # Room air at 78 % (wall ≥ 80 % at the margin estimate) for 14 h of every other day: over 72
    # hours of damp a week, but the wall dries out between, so no 3 damp days follow each other.
    hours = 24 * 21
    temperature = np.full(hours, 20.0)
    day = np.arange(hours) // 24
    hour_of_day = np.arange(hours) % 24
    alternate = np.where((day % 2 == 0) & (hour_of_day < 14), 78.0, 50.0)
    verdicts = verdicts_of(frame_of(temperature, alternate))[AlertKind.CONDENSATION_RISK]
    assert not (verdicts == RAISE).any()
    # The same 14 h of each day, every day: a damp run from the third day.
    daily = np.where(hour_of_day < 14, 78.0, 50.0)
    ind = assess_rooms(
        frame_of(temperature, daily),
        np.zeros((1, HOURS_30D), np.uint16),
        MouldGrid.zeros(1),
        DEFAULT_CONFIG,
    )
    assert ind.counts["damp_run_days_7d"][0, 24 * 7 - 1] == 7
    assert ind.counts["damp_days_7d"][0, 24 * 7 - 1] == 7
    # Three 24-hour windows a day apart first each hold 12 damp hours at the third day's 12th.
    first_run = int(np.flatnonzero(ind.counts["damp_run_days_7d"][0] >= 3)[0])
    assert first_run == 24 * 2 + 11


def test_damp_days_are_calendar_days() -> None:
    # A humid spell of 60 hours. From 14:00 it holds 10, 24, 24 and 2 hours of four dates: two
    # damp days, no run of three, though three 24-hour windows could each hold 12 of its hours.
    # From midnight it holds 24, 24 and 12: three damp days in a row.
    hours = 24 * 8
    temperature = np.full(hours, 20.0)
    for first_hour, expected_run in ((24 * 2 + 14, 2), (24 * 2, 3)):
        humidity = np.full(hours, 50.0)
        humidity[first_hour : first_hour + 60] = 78.0
        ind = assess_rooms(
            frame_of(temperature, humidity),
            np.zeros((1, HOURS_30D), np.uint16),
            MouldGrid.zeros(1),
            DEFAULT_CONFIG,
        )
        assert int(ind.counts["damp_run_days_7d"][0].max()) == expected_run


def test_damp_days_of_a_cycle_match_one_long_frame() -> None:
    # A cycle sees its new hours and the flags of the hours before: calendar days that began in
    # the history count the same as in one long frame, whatever hour the cycle starts at.
    hours = 24 * 10
    rng = np.random.default_rng(3)
    temperature = np.full(hours, 20.0)
    humidity = np.where(rng.random(hours) < 0.6, 78.0, 50.0)
    whole = assess_rooms(
        frame_of(temperature, humidity),
        np.zeros((1, HOURS_30D), np.uint16),
        MouldGrid.zeros(1),
        DEFAULT_CONFIG,
    )
    for split in (24 * 7, 24 * 7 + 13):
        later = RoomFrame.empty(["h"], ["bedroom-1"], START + split, hours - split)
        later.temperature_c = temperature[None, split:].copy()
        later.humidity_pct = humidity[None, split:].copy()
        history = np.zeros((1, HOURS_30D), np.uint16)
        history[:, -split:] = whole.flags[:, :split]
        part = assess_rooms(later, history, MouldGrid.zeros(1), DEFAULT_CONFIG)
        for name in ("damp_days_7d", "damp_run_days_7d"):
            np.testing.assert_array_equal(part.counts[name], whole.counts[name][:, split:])


def test_cold_counts_occupied_hours_only() -> None:
    hours = 24 * 10
    local = np.arange(hours) % 24
    # Heated 07:00–23:00, cold at night: not a cold home.
    night_cold = np.where((local >= 7) & (local < 23), 20.0, 12.0)
    humidity = np.full(hours, 50.0)
    assert not (verdicts_of(frame_of(night_cold, humidity))[AlertKind.COLD_HOME] == RAISE).any()
    always_cold = np.full(hours, 15.0) + 0.05 * np.sin(np.arange(hours))
    cold = verdicts_of(frame_of(always_cold, humidity))[AlertKind.COLD_HOME]
    assert cold[-1] == RAISE


def severities_of(frame: RoomFrame, kind: AlertKind) -> np.ndarray:
    ind = assess_rooms(
        frame, np.zeros((1, HOURS_30D), np.uint16), MouldGrid.zeros(1), DEFAULT_CONFIG
    )
    return room_verdicts(frame, ind, np.zeros(1, bool), DEFAULT_CONFIG)[kind].severity[0]


def test_a_working_household_heating_mornings_and_evenings_is_not_cold() -> None:
    hours = 24 * 14
    local = np.arange(hours) % 24  # START is midnight UTC in winter: UTC is UK local time
    heated = ((local >= 7) & (local < 9)) | ((local >= 17) & (local < 23))
    out_all_day = np.where(heated, 20.5, 15.5)
    humidity = np.full(hours, 50.0)
    frame = frame_of(out_all_day, humidity, "living-room")
    assert not (verdicts_of(frame)[AlertKind.COLD_HOME] == RAISE).any()
    # The same room heated only 17:00–21:00 (4 hours at 18 °C or more) is cold on every day.
    evening_only = np.where((local >= 17) & (local < 21), 19.0, 15.5)
    cold = verdicts_of(frame_of(evening_only, humidity, "living-room"))[AlertKind.COLD_HOME]
    # Raised once four 24-hour windows, each with at least 8 waking hours of data, are cold:
    # on the fourth day (the first window holds 07:00–14:00 of day one).
    assert 3 * 24 <= int(np.flatnonzero(cold == RAISE)[0]) < 4 * 24


def test_a_household_at_home_all_day_is_judged_on_all_its_waking_hours() -> None:
    hours = 24 * 10
    local = np.arange(hours) % 24
    humidity = np.full(hours, 50.0)
    # Heated from 06:00 but slow to warm: below 18 °C until 15:00, 8 of 16 waking hours.
    slow = np.where(local < 6, 15.5, np.where(local < 15, 15.5 + 0.25 * (local - 5), 19.0))
    cold = verdicts_of(frame_of(slow, humidity, "living-room"))[AlertKind.COLD_HOME]
    assert cold[-1] == RAISE
    # Warm by 12:00: 5 of 16 waking hours below 18 °C is not a cold day.
    quicker = np.where(local < 6, 15.5, np.where(local < 13, 15.5 + 0.4 * (local - 5), 19.0))
    warm = verdicts_of(frame_of(quicker, humidity, "living-room"))[AlertKind.COLD_HOME]
    assert not (warm == RAISE).any()


def two_room_frame(living_c: np.ndarray, living_rh: np.ndarray, bedroom_rh: float) -> RoomFrame:
    frame = RoomFrame.empty(["h", "h"], ["living-room", "bedroom-1"], START, living_c.size)
    frame.temperature_c = np.vstack([living_c, np.full(living_c.size, 19.0)])
    frame.humidity_pct = np.vstack([living_rh, np.full(living_c.size, bedroom_rh)])
    return frame


def test_moisture_in_the_living_room_tells_a_household_out_by_day_from_one_at_home() -> None:
    hours = 24 * 28
    local = np.arange(hours) % 24
    weekday = (np.arange(hours) // 24) % 7 < 5  # START is a Monday
    # Heated 17:00–23:00 only: 6 warm and 10 cold waking hours every day.
    evening_heat = np.where((local >= 17) & (local < 23), 20.0, 16.0)
    at_home = (local >= 7) & (local < 23)
    out_by_day = at_home & ~(weekday & (local >= 8) & (local < 17))

    def living_rh(occupied: np.ndarray) -> np.ndarray:
        # Each hour with people in the room adds about 2.5 hPa of vapour to it.
        vapour = 11.0 + np.where(occupied, 2.5, 0.0)
        return np.array(
            [relative_humidity_pct(t, v) for t, v in zip(evening_heat, vapour, strict=True)]
        )

    bedroom_rh = relative_humidity_pct(19.0, 11.0)
    away = two_room_frame(evening_heat, living_rh(out_by_day), bedroom_rh)
    home = two_room_frame(evening_heat, living_rh(at_home), bedroom_rh)
    # Out at work: once the weekdays show it, the evenings are the hours in use, and they were
    # warm. Before that, presence cannot be told and all waking hours are judged.
    assert not (verdicts_of_rooms(away)[AlertKind.COLD_HOME][0][-14 * 24 :] == RAISE).any()
    # At home all day: most of the waking hours were cold.
    assert verdicts_of_rooms(home)[AlertKind.COLD_HOME][0][-1] == RAISE


def verdicts_of_rooms(frame: RoomFrame) -> dict[AlertKind, np.ndarray]:
    count = len(frame.rooms)
    ind = assess_rooms(
        frame, np.zeros((count, HOURS_30D), np.uint16), MouldGrid.zeros(count), DEFAULT_CONFIG
    )
    found = room_verdicts(frame, ind, np.zeros(count, bool), DEFAULT_CONFIG)
    return {kind: grid.verdict for kind, grid in found.items()}


def test_cold_severity_follows_who_limits() -> None:
    hours = 24 * 10
    humidity = np.full(hours, 50.0)
    levels = {17.0: Severity.MEDIUM, 15.0: Severity.HIGH, 11.0: Severity.EMERGENCY}
    for temperature, expected in levels.items():
        frame = frame_of(np.full(hours, temperature), humidity, "living-room")
        rank = int(severities_of(frame, AlertKind.COLD_HOME)[-1])
        assert rank == SEVERITY_RANK[expected], temperature
    # 12 °C is an emergency hazard with Awaab's Law's 24-hour clock.
    assert hazard_level(AlertKind.COLD_HOME, Severity.EMERGENCY) is HazardLevel.EMERGENCY


def test_tm59_bedroom_night_rule() -> None:
    hours = 24 * 20
    local = np.arange(hours) % 24
    hot_nights = np.where((local >= 22) | (local < 7), 27.0, 24.0)
    humidity = np.full(hours, 50.0)
    bedroom = verdicts_of(frame_of(hot_nights, humidity, "bedroom-2"))[AlertKind.OVERHEATING]
    # 9 hot night hours a night: the 33-hour allowance is used up on the 4th night.
    assert int(np.flatnonzero(bedroom == RAISE)[0]) < 24 * 4
    living = verdicts_of(frame_of(hot_nights, humidity, "living-room"))[AlertKind.OVERHEATING]
    assert not (living == RAISE).any()


def test_episodes_follow_the_hold_off_without_flapping() -> None:
    grid = np.array([[HOLD, RAISE, CLEAR, CLEAR, RAISE, CLEAR, HOLD, CLEAR, CLEAR, CLEAR]], np.int8)
    assert episodes(grid, hold_off_h=2) == [Episode(0, 1, 9)]


def test_device_offline_after_25_hours_and_stuck_after_24_identical_hours() -> None:
    hours = 60
    frame = DeviceFrame.empty(["h", "h"], ["quiet", "stuck"], ["living-room"] * 2, START, hours)
    frame.count[0, :10] = 12
    frame.temperature_c[0, :10] = 20 + np.arange(10) * 0.01
    frame.humidity_pct[0, :10] = 50
    frame.count[1] = 12
    frame.temperature_c[1] = 20.5
    frame.humidity_pct[1] = 48.0
    health = device_health(frame, DeviceStart.unknown(2, 25.0), np.zeros(2), DEFAULT_CONFIG)
    offline = health.verdicts[AlertKind.DEVICE_OFFLINE].verdict[0]
    # Last data during hour 9: at the end of hour 34 the silence is over 25 hours.
    assert int(np.flatnonzero(offline == RAISE)[0]) == 34
    fault = health.verdicts[AlertKind.SENSOR_FAULT].verdict[1]
    assert int(np.flatnonzero(fault == RAISE)[0]) == 23
    # The stuck sensor's readings are no evidence about its room, from the run's first hour.
    trusted = without_faulty(frame, health, DEFAULT_CONFIG)
    assert np.isnan(trusted.temperature_c[1]).all() and np.isnan(trusted.humidity_pct[1]).all()
    assert (trusted.temperature_c[0, :10] == frame.temperature_c[0, :10]).all()
    assert frame.temperature_c[1, 0] == 20.5  # the device frame itself is left as it was


def test_priority_ranks_severity_then_duration_then_vulnerability() -> None:
    now = datetime(2026, 2, 1, tzinfo=UTC)
    emergency = OpenAlertView(AlertKind.MOULD_RISK, Severity.EMERGENCY, now, False)
    old_damp = OpenAlertView(
        AlertKind.CONDENSATION_RISK, Severity.HIGH, now - timedelta(days=10), False
    )
    new_damp = OpenAlertView(AlertKind.CONDENSATION_RISK, Severity.HIGH, now, False)
    offline = OpenAlertView(AlertKind.DEVICE_OFFLINE, Severity.MEDIUM, now, False)
    assert home_priority([emergency], [], now) > home_priority([old_damp], [], now)
    assert home_priority([old_damp], [], now) > home_priority([new_damp], [], now)
    assert home_priority([new_damp], ["child_under_5"], now) > home_priority([new_damp], [], now)
    assert home_priority([offline, offline, offline], [], now) < home_priority([new_damp], [], now)
    assert home_priority([], ["over_65"], now) == 0.0


def test_damp_evidence_names_the_room_says_since_when_and_flags_a_drifting_sensor() -> None:
    hours = 24 * 8
    frame = frame_of(np.full(hours, 16.0), np.full(hours, 82.0))
    frame.outdoor_c = np.full((1, hours), 4.0)
    frame.names = ["Main bedroom"]
    frame.drift_offset_pct = np.full((1, hours), np.nan)
    frame.drift_offset_pct[0, -48:] = 6.0
    ind = assess_rooms(
        frame, np.zeros((1, HOURS_30D), np.uint16), MouldGrid.zeros(1), DEFAULT_CONFIG
    )
    verdicts = room_verdicts(frame, ind, np.zeros(1, bool), DEFAULT_CONFIG)
    condensation = verdicts[AlertKind.CONDENSATION_RISK]
    raised = np.flatnonzero(condensation.verdict[0] == RAISE)
    assert raised.size
    early = room_finding(
        AlertKind.CONDENSATION_RISK,
        frame,
        ind,
        condensation,
        row=0,
        col=int(raised[0]),
        config=DEFAULT_CONFIG,
    )
    text = early.evidence.text
    assert "in Main bedroom" in text and "bedroom 1" not in text
    since = early.condition_since
    assert f"since {since.astimezone(UK_TIMEZONE):%-d %B %Y, %H:%M} UK time" in text
    assert "drifting" not in text
    late = room_finding(
        AlertKind.CONDENSATION_RISK,
        frame,
        ind,
        condensation,
        row=0,
        col=hours - 1,
        config=DEFAULT_CONFIG,
    )
    assert "suspected of drifting" in late.evidence.text and "6 % RH" in late.evidence.text
    assert late.evidence.observed["drift_offset_pct"] == 6.0


def test_a_home_at_17_c_all_day_is_cold_when_presence_cannot_be_told() -> None:
    hours = 24 * 10
    local = np.arange(hours) % 24
    # 17 °C all day, 18.5 °C for two evening hours; the living room's air no moister than the
    # bedroom's, so whether anyone is in by day cannot be told.
    living_c = np.where((local >= 19) & (local < 21), 18.5, 17.0)
    living_rh = np.array([relative_humidity_pct(t, 11.0) for t in living_c])
    frame = two_room_frame(living_c, living_rh, relative_humidity_pct(19.0, 11.0))
    ind = assess_rooms(
        frame, np.zeros((2, HOURS_30D), np.uint16), MouldGrid.zeros(2), DEFAULT_CONFIG
    )
    verdicts = room_verdicts(frame, ind, np.zeros(2, bool), DEFAULT_CONFIG)
    cold = verdicts[AlertKind.COLD_HOME]
    assert cold.verdict[0, -1] == RAISE
    finding = room_finding(
        AlertKind.COLD_HOME, frame, ind, cold, row=0, col=hours - 1, config=DEFAULT_CONFIG
    )
    assert "could not be told" in finding.evidence.text
    assert finding.evidence.observed["presence_unknown_days_7d"] == 7
