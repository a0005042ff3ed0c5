"""Sensor faults told from rooms: a wet or frozen sensor, a weak radio link losing readings."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.device_evidence import device_evidence
from dampwatch.assessment.devices import DeviceHealth, DeviceStart, device_health, without_faulty
from dampwatch.assessment.frame import DeviceFrame, hour_index
from dampwatch.assessment.kinds import AlertKind
from dampwatch.assessment.rules import RAISE

START = hour_index(datetime(2026, 1, 5, tzinfo=UTC))
HOURS = 72


def frame_of(humidity: list[float]) -> DeviceFrame:
    count = len(humidity)
    frame = DeviceFrame.empty(
        ["h"] * count,
        [f"s{i}" for i in range(count)],
        ["bathroom", "bedroom-1", "kitchen"][:count],
        START,
        HOURS,
    )
    rng = np.random.default_rng(1)
    for row, level in enumerate(humidity):
        frame.count[row] = 12
        frame.temperature_c[row] = 19.0 + rng.normal(0, 0.3, HOURS)
        frame.humidity_pct[row] = np.minimum(level + rng.normal(0, 0.3, HOURS), 100.0)
        frame.temperature_spread[row] = 0.3
        frame.humidity_spread[row] = 1.0
    return frame


def health_of(frame: DeviceFrame) -> DeviceHealth:
    start = DeviceStart.unknown(len(frame.devices), 25.0)
    return device_health(frame, start, np.zeros(len(frame.devices)), DEFAULT_CONFIG)


def faults(health: DeviceHealth) -> np.ndarray:
    return (health.verdicts[AlertKind.SENSOR_FAULT].verdict == RAISE).any(axis=1)


def test_one_sensor_at_100_percent_beside_drier_rooms_is_wet() -> None:
    assert faults(health_of(frame_of([100.0, 55.0, 60.0]))).tolist() == [True, False, False]


def test_a_whole_home_at_saturation_is_damp_air_not_faulty_sensors() -> None:
    assert not faults(health_of(frame_of([100.0, 96.0, 99.0]))).any()


def test_a_sensor_losing_a_third_of_its_readings_has_a_weak_link() -> None:
    frame = frame_of([55.0, 55.0])
    sent_per_hour = 12
    lost = np.zeros(HOURS)
    lost[::3] = 4  # every third hour, 4 of 12 sequence numbers never arrive
    seq = np.cumsum(np.full(HOURS, sent_per_hour))
    for row, missing in ((0, lost), (1, np.zeros(HOURS))):
        frame.count[row] = sent_per_hour - missing
        frame.seq_max[row] = seq - 1
        frame.seq_min[row] = seq - sent_per_hour
        frame.seq_count[row] = sent_per_hour - missing
    health = health_of(frame)
    assert faults(health).tolist() == [False, False]  # 32 of 288 a day (11 %): under a fifth
    lost[::3] = 12  # now every third hour is gone entirely, reported by the next hour's seq
    frame.count[0] = np.where(lost > 0, 0, sent_per_hour)
    frame.seq_count[0] = frame.count[0]
    frame.seq_min[0] = np.where(lost > 0, np.nan, frame.seq_min[0])
    frame.seq_max[0] = np.where(lost > 0, np.nan, frame.seq_max[0])
    frame.temperature_c[0] = np.where(lost > 0, np.nan, frame.temperature_c[0])
    frame.humidity_pct[0] = np.where(lost > 0, np.nan, frame.humidity_pct[0])
    # A silent hour's readings missing afterwards are an outage's, not a weak link's.
    assert not faults(health_of(frame))[0]


def test_lost_readings_while_reporting_raise_a_fault_with_the_share_lost() -> None:
    frame = frame_of([55.0, 55.0])
    seq = np.cumsum(np.full(HOURS, 12))
    frame.count[0] = 8  # 4 of every 12 lost, every hour
    frame.seq_min[0], frame.seq_max[0], frame.seq_count[0] = seq - 12, seq - 1, 8
    health = health_of(frame)
    assert faults(health).tolist() == [True, False]
    col = HOURS - 1
    evidence = device_evidence(
        AlertKind.SENSOR_FAULT, frame, health, DeviceStart.unknown(2, 25.0), row=0, col=col
    )
    assert "lost 33% of its readings" in evidence.text


def test_a_sensor_below_freezing_beside_heated_rooms_is_faulty() -> None:
    frame = frame_of([55.0, 55.0, 60.0])
    frame.temperature_c[0, 20:40] = -2.0
    assert faults(health_of(frame)).tolist() == [True, False, False]


def test_an_unheated_home_in_a_frost_is_cold_not_faulty() -> None:
    # Frost fills an unheated home: the bathroom below 0 °C beside rooms at 1–3 °C is a room.
    frame = frame_of([80.0, 75.0, 78.0])
    frame.temperature_c[0, 20:40] = -1.0
    frame.temperature_c[1, 20:40] = 2.5
    frame.temperature_c[2, 20:40] = 1.0
    health = health_of(frame)
    assert not faults(health).any()
    trusted = without_faulty(frame, health, DEFAULT_CONFIG)
    assert (trusted.temperature_c[0, 20:40] == -1.0).all()  # evidence of a cold room, kept
