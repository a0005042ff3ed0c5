"""Device health per hour: offline against the expected interval, battery, stuck or implausible
values, and sequence gaps.

A missing hour is not a fault (ESP32 and gateway receivers miss BLE adverts): a device is offline
only once it has been silent for longer than its allowance, 25 h for battery sensors by default,
after it was last heard from; a device never heard from is not offline (it is not installed yet).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import HOURS_7D, AssessmentConfig
from dampwatch.assessment.drift import DriftState, humidity_drift
from dampwatch.assessment.frame import OUTDOOR_ROOM, DeviceFrame
from dampwatch.assessment.kinds import AlertKind
from dampwatch.assessment.plausible import out_of_range, rolling_max, wettest_neighbour_pct
from dampwatch.assessment.rules import CLEAR, HOLD, RAISE, KindVerdicts
from dampwatch.psychrometrics_array import saturation_vapour_pressure_hpa

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class DeviceStart:
    """What is known of each device before the frame (D,): NaN when unknown."""

    last_seen_hour: FloatArray  # epoch hour of the last hour with data
    battery_pct: FloatArray
    last_seq: FloatArray
    offline_after_h: FloatArray
    drift: DriftState

    @classmethod
    def unknown(cls, devices: int, offline_after_h: float) -> DeviceStart:
        """Nothing known; the same offline allowance for all."""
        nan = np.full(devices, np.nan)
        return cls(
            nan.copy(),
            nan.copy(),
            nan.copy(),
            np.full(devices, offline_after_h),
            DriftState.unknown(devices),
        )


@dataclass
class DeviceHealth:
    """Per device-hour health and the verdicts of the device kinds."""

    last_seen_age_h: FloatArray
    offline: BoolArray
    battery_pct: FloatArray
    seq_gaps: FloatArray  # gaps found in each hour
    seq_gaps_7d: FloatArray
    stuck: BoolArray
    implausible: BoolArray
    stuck_run_h: FloatArray
    humidity_drift: BoolArray
    drift_excess_hpa: FloatArray  # the drifting sensor's night gap above its baseline
    lossy: BoolArray  # losing readings on the way: a share of the last 24 h's seq numbers
    lost_share_24h: FloatArray
    drift_state: DriftState
    verdicts: dict[AlertKind, KindVerdicts]


def offline_allowance_h(
    expected_interval_s: float | None, battery_powered: bool, config: AssessmentConfig
) -> float:
    """Hours of silence before a device counts as offline."""
    floor = config.battery_offline_after_h if battery_powered else config.mains_offline_after_h
    if expected_interval_s is None:
        return floor
    return max(floor, config.offline_after_intervals * expected_interval_s / 3600.0)


def _forward_fill(values: FloatArray, start: FloatArray) -> FloatArray:
    filled = np.empty_like(values)
    current = start.copy()
    for col in range(values.shape[1]):
        current = np.where(np.isfinite(values[:, col]), values[:, col], current)
        filled[:, col] = current
    return filled


def _run_lengths(condition: BoolArray) -> FloatArray:
    runs = np.zeros(condition.shape)
    current = np.zeros(condition.shape[0])
    for col in range(condition.shape[1]):
        current = np.where(condition[:, col], current + 1, 0.0)
        runs[:, col] = current
    return runs


def _seq_gaps(frame: DeviceFrame, last_seq: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        inside = np.nan_to_num(frame.seq_max - frame.seq_min + 1 - frame.seq_count)
        previous = _forward_fill(frame.seq_max, last_seq)
        previous = np.concatenate([last_seq[:, None], previous[:, :-1]], axis=1)
        across = np.nan_to_num(frame.seq_min - previous - 1)
    # A counter that went backwards restarted: not a gap.
    return np.clip(inside, 0, None) + np.clip(across, 0, None)


def _lost_share_24h(gaps: FloatArray, received: FloatArray) -> FloatArray:
    """Per device-hour: the share of the last 24 hours' readings lost on the way (seq gaps)."""
    window = 24
    lost_cum = np.concatenate([np.zeros((len(gaps), 1)), np.cumsum(gaps, axis=1)], axis=1)
    got_cum = np.concatenate([np.zeros((len(gaps), 1)), np.cumsum(received, axis=1)], axis=1)
    ends = np.arange(1, gaps.shape[1] + 1)
    starts = np.maximum(ends - window, 0)
    lost = lost_cum[:, ends] - lost_cum[:, starts]
    expected = lost + got_cum[:, ends] - got_cum[:, starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        share: FloatArray = np.where(expected >= window // 2, lost / expected, np.nan)
    return share


def device_health(
    frame: DeviceFrame, start: DeviceStart, gaps_before_7d: FloatArray, config: AssessmentConfig
) -> DeviceHealth:
    """Health of every device-hour; `gaps_before_7d` are gaps in the week before the frame."""
    columns = frame.start_hour + np.arange(frame.hours, dtype=np.float64)
    seen = np.where(frame.count > 0, columns[None, :], np.nan)
    last_seen = _forward_fill(seen, start.last_seen_hour)
    # A device is offline only once it has been heard from: before its first reading (a back-fill
    # reaching back before it was installed) its age is unknown (NaN), not the window's length.
    age = (columns[None, :] + 1) - (last_seen + 1)
    # At the end of hour `c` the silence is longer than `age` (the last reading came during
    # its hour, not at its end), so `age` reaching the allowance already means "more than".
    with np.errstate(invalid="ignore"):
        offline = age >= start.offline_after_h[:, None]
    battery = _forward_fill(frame.battery_pct, start.battery_pct)
    gaps = _seq_gaps(frame, start.last_seq)
    gaps_7d = np.cumsum(gaps, axis=1) + gaps_before_7d[:, None]
    if frame.hours > HOURS_7D:
        shifted = np.cumsum(gaps, axis=1)[:, :-HOURS_7D]
        gaps_7d[:, HOURS_7D:] -= shifted + gaps_before_7d[:, None]
    has = frame.count > 0
    with np.errstate(invalid="ignore"):
        same = (
            has[:, 1:]
            & has[:, :-1]
            & (frame.temperature_c[:, 1:] == frame.temperature_c[:, :-1])
            & (frame.humidity_pct[:, 1:] == frame.humidity_pct[:, :-1])
            & (np.nan_to_num(frame.temperature_spread[:, 1:]) == 0)
            & (np.nan_to_num(frame.humidity_spread[:, 1:]) == 0)
        )
        stuck_runs = _run_lengths(np.concatenate([np.zeros((len(same), 1), bool), same], axis=1))
        indoor = np.array([room != OUTDOOR_ROOM for room in frame.rooms], dtype=np.bool_)
        implausible_temperature = has & out_of_range(frame, config)
        # Saturated air fills a whole damp home; one sensor at 100 % beside drier rooms is wet.
        # The neighbours' wettest hour of the run counts: a damp home's rooms are not all
        # reported in every hour, nor all above the limit in the same one.
        neighbours = rolling_max(wettest_neighbour_pct(frame, indoor), config.saturated_hours)
        saturated = (
            has
            & indoor[:, None]
            & (frame.humidity_pct >= config.saturated_rh_pct)
            & ~(neighbours >= config.saturated_home_pct)
        )
    stuck = stuck_runs + 1 >= config.stuck_hours
    implausible = (_run_lengths(implausible_temperature) >= config.implausible_hours) | (
        _run_lengths(saturated) >= config.saturated_hours
    )
    drift = humidity_drift(frame, start.drift, config)
    # Readings missing across a silence are the outage's (offline, buffer overflow), not a
    # weak link's: only gaps found while the device kept reporting count here.
    reporting = np.concatenate([np.zeros((len(gaps), 1), bool), frame.count[:, :-1] > 0], axis=1)
    lost_share = _lost_share_24h(np.where(reporting, gaps, 0.0), frame.count)
    with np.errstate(invalid="ignore"):
        lossy = lost_share >= config.lossy_share
    fault = stuck | implausible | drift.drifting | lossy
    with np.errstate(invalid="ignore"):
        low = battery <= config.battery_low_pct
        recovered = ~np.isfinite(battery) | (battery >= config.battery_ok_pct)
    medium = np.full(offline.shape, 1, dtype=np.int8)
    verdicts = {
        AlertKind.DEVICE_OFFLINE: KindVerdicts(
            np.where(offline, RAISE, CLEAR).astype(np.int8), medium
        ),
        AlertKind.BATTERY_LOW: KindVerdicts(
            np.where(low, RAISE, np.where(recovered, CLEAR, HOLD)).astype(np.int8),
            np.zeros_like(medium),
        ),
        AlertKind.SENSOR_FAULT: KindVerdicts(np.where(fault, RAISE, CLEAR).astype(np.int8), medium),
    }
    return DeviceHealth(
        age,
        offline,
        battery,
        gaps,
        gaps_7d,
        stuck,
        implausible,
        stuck_runs + has,
        drift.drifting,
        drift.excess_hpa,
        lossy,
        lost_share,
        drift.state,
        verdicts,
    )


def without_faulty(
    frame: DeviceFrame, health: DeviceHealth, config: AssessmentConfig
) -> DeviceFrame:
    """The frame with temperature and humidity removed where the sensor is known faulty.

    A stuck sensor repeats one reading and an indoor temperature no room could have (see
    `out_of_range`) is not a room's: neither is evidence of a damp or cold room. A stuck run is
    removed from its first hour, not only from the hour it became long enough to be called
    stuck. A drifting humidity sensor is not silenced: its readings are judged less the drift
    found (its night vapour excess above the baseline, as %RH at the hour's temperature), so a
    room that turns damp beyond the drift is still found, and the room's damp evidence says so
    (`drift_offset_pct`). Humidity pinned near 100 % stays: saturated air or a wet sensor both
    mean a very damp room.
    """
    bad = out_of_range(frame, config) | health.stuck
    if not bad.any() and not health.humidity_drift.any():
        return frame
    for row in np.flatnonzero(health.stuck.any(axis=1)):
        flagged = health.stuck[row]
        starts = np.flatnonzero(flagged & ~np.concatenate([[False], flagged[:-1]]))
        for col in starts:
            run = int(health.stuck_run_h[row, col])
            bad[row, max(0, col - run + 1) : col] = True
    drifting = health.humidity_drift & ~bad
    with np.errstate(invalid="ignore", over="ignore"):
        offset = np.where(
            drifting,
            np.clip(
                100.0
                * np.nan_to_num(health.drift_excess_hpa)
                / saturation_vapour_pressure_hpa(frame.temperature_c),
                0.0,
                None,
            ),
            np.nan,
        )
        humidity = np.where(
            drifting,
            np.clip(frame.humidity_pct - np.nan_to_num(offset), 0.0, 100.0),
            frame.humidity_pct,
        )
    return replace(
        frame,
        temperature_c=np.where(bad, np.nan, frame.temperature_c),
        humidity_pct=np.where(bad, np.nan, humidity),
        drift_offset_pct=offset if drifting.any() else None,
    )
