"""Humidity drift: a sensor whose humidity reading creeps up while the home's air does not.

Capacitive humidity sensors drift upwards as their polymer ages or is contaminated (a few %RH a
year in datasheets, far faster when they fail), and a drifting bedroom sensor looks exactly like
a room getting damp. Its fellow sensors tell it apart: at night (02:00–06:00) the home is quiet,
its rooms exchange air and their vapour pressures move together with the weather, so the gap
between one sensor's vapour pressure and the median of the home's other indoor sensors stays
steady. A gap that widens night after night, nearly every night, is the sensor, not the room.

A room turning damp widens the gap too, so a rise is called drift only with evidence a damp room
cannot give: the rise is a straight creep, with no night carrying a large share of it (a room
turns damp at an onset: a step), and the sensor's own temperature is not falling over the
nights compared (a room getting damper in a cold snap cools as its gap grows; a calibration creep
does not follow the weather). A drift verdict never hides the room: the damp judgement goes on with
the humidity less the drift found (see devices.drift_corrected), and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.frame import (
    OUTDOOR_ROOM,
    DeviceFrame,
    HomeSlots,
    hour_mask,
    local_dates,
    local_hours,
    nan_median,
    nan_percentile,
)
from dampwatch.psychrometrics_array import FloatArray, vapour_pressure_hpa

BoolArray = npt.NDArray[np.bool_]
MIN_NIGHT_HOURS = 2
EXTEND_FROM_NIGHTS = 7
HISTORY_NIGHTS = 14  # nights kept before a window, to tell a creep from a swing
HISTORY_PERCENTILE = 80.0
NO_NIGHTS_YET = 2**31  # first_night of a state with no nights: any frame's nights come first


@dataclass
class DriftState:
    """What is known per device before a frame: night gaps, and a drift under way."""

    first_night: int  # local date ordinal of column 0 of `nights`
    nights: FloatArray  # (D, N) hPa; NaN where not measured
    temps: FloatArray  # (D, N) the sensor's median night temperature, °C
    since: FloatArray  # (D,) date ordinal the drift started; NaN when none
    baseline_hpa: FloatArray  # (D,) the gap before it started

    @classmethod
    def unknown(cls, devices: int) -> DriftState:
        """Nothing known of any device."""
        nan = np.full(devices, np.nan)
        empty = np.full((devices, 0), np.nan)
        return cls(NO_NIGHTS_YET, empty, empty.copy(), nan.copy(), nan.copy())


@dataclass
class DriftResult:
    """Per device-hour: drifting (from the hour it was seen), the gap above its baseline."""

    drifting: BoolArray  # (D, H)
    excess_hpa: FloatArray  # (D, H) the latest night's gap above the baseline while drifting
    state: DriftState  # to remember for the next frame


def night_gaps(frame: DeviceFrame, config: AssessmentConfig) -> tuple[int, FloatArray, FloatArray]:
    """(first date ordinal, gaps, temps): each sensor's median night vapour gap and temperature.

    Both are (D, nights); the gap is NaN where it cannot be told.
    """
    dates = local_dates(frame.start_hour, frame.hours)
    night = hour_mask(local_hours(frame.start_hour, frame.hours), *config.drift_night_hours)
    first = int(dates[0]) if dates.size else 0
    count = int(dates[-1]) - first + 1 if dates.size else 0
    gaps = np.full((len(frame.devices), count), np.nan)
    temps = np.full((len(frame.devices), count), np.nan)
    indoor = np.array([room != OUTDOOR_ROOM for room in frame.rooms], np.bool_)
    # Only night hours are compared: work on those columns alone.
    night_cols = np.flatnonzero(night)
    night_dates = dates[night_cols] - first
    with np.errstate(invalid="ignore", over="ignore"):
        humidity = frame.humidity_pct[:, night_cols]
        vapour = vapour_pressure_hpa(frame.temperature_c[:, night_cols], humidity)
        dry = np.isfinite(vapour) & (humidity < config.drift_wet_pct)
    slots = HomeSlots.of(frame.homes, indoor)
    vapour_grid = slots.spread(vapour, np.nan)
    dry_grid = slots.spread(dry, False)
    exists_grid = slots.spread(np.ones(dry.shape, np.bool_), False)
    gap = np.full(vapour.shape, np.nan)
    for slot in range(slots.slots):
        rows = np.flatnonzero((slots.home >= 0) & (slots.slot == slot))
        homes = slots.home[rows]
        others = np.ones(slots.slots, np.bool_)
        others[slot] = False
        # A silent sensor is no evidence either way; a saturated one hides differences.
        # ...and the reference is the same sensors every night: a night missing one of them
        # would move the median by that sensor's own offset, a step no room took.
        others_dry = (dry_grid[homes][:, others] == exists_grid[homes][:, others]).all(axis=1) & (
            dry_grid[homes][:, others].any(axis=1)
        )
        reference = np.where(dry_grid[homes][:, others], vapour_grid[homes][:, others], np.nan)
        with np.errstate(invalid="ignore"):
            difference = vapour[rows] - nan_median(reference, axis=1)
        gap[rows] = np.where(dry[rows] & others_dry, difference, np.nan)
    night_temperature = frame.temperature_c[:, night_cols]
    for day in range(count):
        values = gap[:, night_dates == day]
        enough = np.isfinite(values).sum(axis=1) >= MIN_NIGHT_HOURS
        if enough.any():
            gaps[enough, day] = nan_median(values[enough], axis=1)
            temps[enough, day] = nan_median(night_temperature[enough][:, night_dates == day], 1)
    return first, gaps, temps


def _theil_sen(window: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per row: the median pairwise slope and the share of pairs rising (NaN-aware)."""
    nights = window.shape[1]
    first, second = np.triu_indices(nights, 1)
    with np.errstate(invalid="ignore"):
        change = window[:, second] - window[:, first]
        slopes = change / (second - first)
        pairs = np.isfinite(change).sum(axis=1)
        concordance = (change > 0).sum(axis=1) / np.maximum(pairs, 1)
    slope = np.full(window.shape[0], np.nan)
    some = pairs > 0
    if some.any():
        slope[some] = nan_median(slopes[some], axis=1)
    return slope, concordance


def _largest_step(window: FloatArray) -> FloatArray:
    """Per row: the largest rise of a night above the highest measured night before it.

    An onset lifts the gap to a level it never reached before; a night that dipped (the
    reference rooms aired, a window opened) and came back is no step, so the rise is measured
    from the highest night so far, not from the night before, which a dip would make look large.
    A rise after unmeasured nights counts per night since the last measured one.
    """
    largest = np.zeros(window.shape[0])
    highest = np.full(window.shape[0], np.nan)
    last_col = np.zeros(window.shape[0])
    for col in range(window.shape[1]):
        value = window[:, col]
        with np.errstate(invalid="ignore"):
            largest = np.fmax(largest, (value - highest) / np.maximum(col - last_col, 1))
        measured = np.isfinite(value)
        highest = np.where(measured, np.fmax(highest, value), highest)
        last_col = np.where(measured, col, last_col)
    return largest


def _rising(window: FloatArray, temps: FloatArray, config: AssessmentConfig) -> BoolArray:
    """Per row: a drift's creep over the window.

    A steady rise (Theil–Sen slope, pairwise concordance) that is a creep, not a step (no one
    night gives more than `drift_max_step_share` of the rise), while the sensor's own night
    temperature did not fall by `drift_max_cooling_k` over the window (Theil–Sen): a room that
    cools gets damper at its walls and in its air, a sensor's creep does not care.
    """
    nights = window.shape[1]
    enough = np.isfinite(window).sum(axis=1) >= config.drift_min_nights
    slope, concordance = _theil_sen(window)
    temperature_slope, _ = _theil_sen(temps)
    rise = slope * (nights - 1)
    with np.errstate(invalid="ignore"):
        rising: BoolArray = (
            enough
            & (slope >= config.drift_min_rise_hpa_per_night)
            & (concordance >= config.drift_min_concordance)
            & (_largest_step(window) <= config.drift_max_step_share * rise)
            # Unknown night temperatures (state kept before they were) do not hold it back.
            & ~(temperature_slope * (nights - 1) < -config.drift_max_cooling_k)
        )
    return rising


def _extend_excess(excess: FloatArray, nights: FloatArray, status: BoolArray) -> None:
    """Fill the unmeasured nights of a drift under way with the drift's own creep, in place.

    A drifted sensor soon reads past `drift_wet_pct`, where nights are not compared; a creep
    goes on creeping, so its excess grows by the median night-to-night rise of its gap over the
    week before (the nights that showed the creep, found drifting or not yet).
    """
    for col in range(1, excess.shape[1]):
        for row in np.flatnonzero(status[:, col] & ~np.isfinite(excess[:, col])):
            if not np.isfinite(excess[row, col - 1]):
                continue
            start = max(0, col - EXTEND_FROM_NIGHTS)
            measured = np.flatnonzero(np.isfinite(nights[row, start:col]))
            rise = 0.0
            if measured.size > 1:
                values = nights[row, start:col][measured]
                rise = float(np.median(np.diff(values) / np.diff(measured)))
            excess[row, col] = excess[row, col - 1] + max(rise, 0.0)


def humidity_drift(frame: DeviceFrame, before: DriftState, config: AssessmentConfig) -> DriftResult:
    """Which sensors drift, hour by hour; a night's verdict holds from the end of that night."""
    first, gaps, night_temps = night_gaps(frame, config)
    start = min(before.first_night, first)
    end = first + gaps.shape[1]
    nights = np.full((len(frame.devices), end - start), np.nan)
    temps = nights.copy()
    frame_cols = slice(first - start, end - start)
    for merged, kept_before, own in (
        (nights, before.nights, gaps),
        (temps, before.temps, night_temps),
    ):
        if kept_before.shape[1]:
            offset = before.first_night - start
            kept = kept_before[:, : max(0, merged.shape[1] - offset)]
            merged[:, offset : offset + kept.shape[1]] = kept
        # The frame's own nights win: they hold the readings as they are now.
        merged[:, frame_cols] = np.where(np.isfinite(own), own, merged[:, frame_cols])
    since, baseline = before.since.copy(), before.baseline_hpa.copy()
    status = np.zeros(nights.shape, np.bool_)
    excess = np.full(nights.shape, np.nan)
    # Nights before the frame keep the verdict they had (the hours before 06:00 of its first
    # day go by the night before).
    status[:, : first - start] = np.isfinite(since)[:, None]
    excess[:, : first - start] = np.where(
        status[:, : first - start], nights[:, : first - start] - baseline[:, None], np.nan
    )
    window = config.drift_window_nights
    for col in range(first - start, nights.shape[1]):
        active = np.isfinite(since)
        latest = nights[:, col]
        with np.errstate(invalid="ignore"):
            ended = active & (latest < baseline + config.drift_clear_hpa)
        since[ended], baseline[ended] = np.nan, np.nan
        if col + 1 >= window:
            span = nights[:, col + 1 - window : col + 1]
            temperature_span = temps[:, col + 1 - window : col + 1]
            # A creep reaches gaps the sensor seldom showed before; a gap that swings between
            # two levels (a window opened some nights, a room slept in) has been there often.
            # (One night's spike, washing dried there, is no such level: a high percentile.)
            earlier = nights[:, max(0, col + 1 - window - HISTORY_NIGHTS) : col + 1 - window]
            usual_high = np.full(len(earlier), -np.inf)
            known = np.isfinite(earlier).any(axis=1) if earlier.shape[1] else usual_high > 0
            if known.any():
                usual_high[known] = nan_percentile(earlier[known], HISTORY_PERCENTILE)
            with np.errstate(invalid="ignore"):
                beyond = ~(usual_high >= span[:, -1] - config.drift_clear_hpa)
            new = ~np.isfinite(since) & beyond & _rising(span, temperature_span, config)
            if new.any():
                since[new] = start + col + 1 - window
                baseline[new] = nan_median(span[new, : config.drift_baseline_nights], axis=1)
        status[:, col] = np.isfinite(since)
        excess[:, col] = np.where(status[:, col], latest - baseline, np.nan)
    _extend_excess(excess, nights, status)
    dates = local_dates(frame.start_hour, frame.hours)
    after_night = local_hours(frame.start_hour, frame.hours) >= config.drift_night_hours[1]
    verdict_col = np.clip(dates - start - np.where(after_night, 0, 1), 0, None)
    known = dates - start - np.where(after_night, 0, 1) >= 0
    drifting = status[:, verdict_col] & known[None, :]
    excess_hours = np.where(drifting, excess[:, verdict_col], np.nan)
    keep = max(window, config.drift_baseline_nights) + HISTORY_NIGHTS
    kept_from = max(0, nights.shape[1] - keep)
    state = DriftState(
        start + kept_from, nights[:, kept_from:], temps[:, kept_from:], since, baseline
    )
    return DriftResult(drifting, excess_hours, state)
