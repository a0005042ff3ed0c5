"""Per-room hourly indicators: surface conditions, the mould index and rolling-window counts.

Each hour gets bit flags (what held in that hour); rolling counts over 7 and 30 days come from
the flags of the frame and of the hours before it (the `history`), so a cycle needs only new
hours. The mould index runs hour by hour (dampwatch.mould, vectorised over rooms here; a test
holds the two to agreement).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

import numpy as np
import numpy.typing as npt

from dampwatch import mould
from dampwatch.assessment.config import HOURS_7D, HOURS_30D, AssessmentConfig
from dampwatch.assessment.frame import RoomFrame, hour_mask, local_hours
from dampwatch.assessment.surface import surface_temperature
from dampwatch.psychrometrics_array import dew_point_c, surface_rh_pct

FloatArray = npt.NDArray[np.float64]
FlagArray = npt.NDArray[np.uint16]


class HourFlag(IntFlag):
    """What held in one room-hour."""

    DATA = 1  # temperature and humidity present
    RH70 = 2
    SURFACE80 = 4
    BELOW_DEW = 8
    OCCUPIED = 16  # waking hour (07:00–23:00 local) with temperature data
    COLD18 = 32
    COLD16 = 64
    NIGHT = 128  # night hour with temperature data
    NIGHT_HOT = 256
    CO2 = 512  # CO2 measured
    CO2_HIGH = 1024
    COLD12 = 2048
    DAMP_AT_WALL = 4096  # room air RH ≥ 70 % while the wall surface is at RH ≥ 80 %


@dataclass
class MouldGrid:
    """Mould state per room: index and hours of unfavourable conditions."""

    index: FloatArray  # (R,)
    dry_hours: npt.NDArray[np.int64]  # (R,)

    @classmethod
    def zeros(cls, rooms: int) -> MouldGrid:
        """No growth anywhere."""
        return cls(np.zeros(rooms), np.zeros(rooms, dtype=np.int64))


@dataclass
class RoomIndicators:
    """Indicator arrays (R, H) for the frame's hours, and the state after its last hour."""

    flags: FlagArray
    surface_temperature_c: FloatArray
    surface_rh_pct: FloatArray
    surface_source: npt.NDArray[np.int8]
    mould_index: FloatArray
    mould_dry_hours: npt.NDArray[np.int64]  # (R, H) after each hour
    counts: dict[str, npt.NDArray[np.int32]]  # rolling-window counts by name
    overheating_night_pct: FloatArray
    score: FloatArray


def hour_flags(
    frame: RoomFrame, surface_c: FloatArray, surface_pct: FloatArray, config: AssessmentConfig
) -> FlagArray:
    """Bit flags of every room-hour."""
    temperature, humidity = frame.temperature_c, frame.humidity_pct
    hours_of_day = local_hours(frame.start_hour, frame.hours)
    occupied = hour_mask(hours_of_day, config.occupied_from_hour, config.occupied_to_hour)
    night = hour_mask(hours_of_day, config.night_from_hour, config.night_to_hour)
    has_t = np.isfinite(temperature)
    data = has_t & np.isfinite(humidity)
    with np.errstate(invalid="ignore"):
        parts = [
            (HourFlag.DATA, data),
            (HourFlag.RH70, data & (humidity >= config.room_rh_screen_pct)),
            (HourFlag.SURFACE80, data & (surface_pct >= config.surface_rh_pct)),
            (
                HourFlag.DAMP_AT_WALL,
                data
                & (humidity >= config.room_rh_screen_pct)
                & (surface_pct >= config.surface_rh_pct),
            ),
            (HourFlag.BELOW_DEW, data & (surface_c < dew_point_c(temperature, humidity))),
            (HourFlag.OCCUPIED, has_t & occupied),
            (HourFlag.COLD18, has_t & occupied & (temperature < config.cold_c)),
            (HourFlag.COLD16, has_t & occupied & (temperature < config.very_cold_c)),
            (HourFlag.COLD12, has_t & occupied & (temperature < config.severe_cold_c)),
            (HourFlag.NIGHT, has_t & night),
            (HourFlag.NIGHT_HOT, has_t & night & (temperature > config.overheating_c)),
            (HourFlag.CO2, np.isfinite(frame.co2_ppm)),
            (HourFlag.CO2_HIGH, frame.co2_ppm > config.co2_ppm),
        ]
    flags = np.zeros(temperature.shape, dtype=np.uint16)
    for bit, condition in parts:
        flags |= np.where(condition, np.uint16(bit), np.uint16(0))
    return flags


def rolling_counts(
    history: FlagArray, flags: FlagArray, bit: HourFlag, windows: tuple[int, ...]
) -> dict[int, npt.NDArray[np.int32]]:
    """For each frame hour and window, how many of the last `window` hours had `bit`."""
    longest = max(windows)
    joined = np.concatenate([history[:, -longest:], flags], axis=1)
    present = (joined & np.uint16(bit)) != 0
    cumulative = np.zeros((joined.shape[0], joined.shape[1] + 1), dtype=np.int32)
    np.cumsum(present, axis=1, dtype=np.int32, out=cumulative[:, 1:])
    lead = joined.shape[1] - flags.shape[1]
    ends = np.arange(lead + 1, joined.shape[1] + 1)
    return {
        window: cumulative[:, ends] - cumulative[:, np.maximum(ends - window, 0)]
        for window in windows
    }


def run_mould(
    surface_c: FloatArray,
    surface_pct: FloatArray,
    start: MouldGrid,
    sensitivity: mould.Sensitivity = mould.DEFAULT_SENSITIVITY,
    material_factor: float = mould.DEFAULT_MATERIAL_DECLINE_FACTOR,
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """The VTT model of dampwatch.mould over all rooms at once: index and dry hours per hour."""
    p = mould.CLASS_PARAMETERS[sensitivity]
    rooms, hours = surface_c.shape
    index, dry = start.index.copy(), start.dry_hours.copy()
    out_index, out_dry = np.empty((rooms, hours)), np.empty((rooms, hours), dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        t_all, rh_all = surface_c, np.clip(surface_pct, 1e-6, 100.0)
        poly = -0.00267 * t_all**3 + 0.160 * t_all**2 - 3.13 * t_all + 100.0
        rh_crit_all = np.where(
            t_all > mould.RH_CRIT_POLYNOMIAL_MAX_C, p.rh_min_pct, np.maximum(poly, p.rh_min_pct)
        )
        exponent = (
            mould.RATE_LN_T * np.log(t_all)
            + mould.RATE_LN_RH * np.log(rh_all)
            + mould.RATE_CONSTANT
        )
        base_rate = 1.0 / (mould.RATE_DAYS_FACTOR * np.exp(exponent) * mould.HOURS_PER_DAY)
        x = (rh_crit_all - rh_all) / (rh_crit_all - 100.0)
        m_max_all = p.a + p.b * x - p.c * x * x
        valid_all = np.isfinite(surface_c) & np.isfinite(surface_pct)
        favourable_all = (
            valid_all
            & (rh_all >= rh_crit_all)
            & (t_all > mould.GROWTH_MIN_TEMPERATURE_C)
            & (t_all < mould.GROWTH_MAX_TEMPERATURE_C)
        )
        # Hour-major copies: each step then reads contiguous memory.
        favourable_t, valid_t = favourable_all.T.copy(), valid_all.T.copy()
        m_max_t, rate_t = m_max_all.T.copy(), base_rate.T.copy()
        for hour in range(hours):
            favourable, valid = favourable_t[hour], valid_t[hour]
            if not valid.any():
                out_index[:, hour], out_dry[:, hour] = index, dry
                continue
            k1 = np.where(index < 1.0, p.k1_initial, p.k1_established)
            k2 = np.maximum(1.0 - np.exp(mould.K2_STEEPNESS * (index - m_max_t[hour])), 0.0)
            grown = np.minimum(index + k1 * k2 * rate_t[hour], mould.MOULD_INDEX_MAX)
            dry_next = dry + 1
            decline = np.where(
                dry_next <= mould.DECLINE_FIRST_HOURS,
                mould.DECLINE_EARLY_PER_H,
                np.where(dry_next <= mould.DECLINE_PAUSE_HOURS, 0.0, mould.DECLINE_LATE_PER_H),
            )
            declined = np.maximum(index + decline * material_factor, 0.0)
            index = np.where(favourable, grown, np.where(valid, declined, index))
            dry = np.where(favourable, 0, np.where(valid, dry_next, dry))
            out_index[:, hour], out_dry[:, hour] = index, dry
    return out_index, out_dry


DAY_HOURS = 24
COLD_DAY_LIMITS: dict[str, HourFlag] = {
    "cold_days_7d": HourFlag.COLD18,
    "very_cold_days_7d": HourFlag.COLD16,
    "severe_cold_days_7d": HourFlag.COLD12,
}


def cold_days(
    history: FlagArray, flags: FlagArray, config: AssessmentConfig
) -> dict[str, npt.NDArray[np.int32]]:
    """Cold days among the seven 24-hour windows ending at each frame hour.

    WHO 2018 asks for 18 °C in the hours a room is used, not at night or while the household is
    out with the heating off; a thermometer cannot see who is home, but a household heats the
    room it uses. So each day is judged on its warmest waking hours: the day is cold when the
    room reached the limit for at most `cold_warm_hours_max` waking hours (at least half of its
    warmest 8 were below it). A working household heating only mornings and evenings still
    reaches 18 °C for those hours; a room never heated to 18 °C does not.
    """
    joined = np.concatenate([history[:, -HOURS_7D:], flags], axis=1)
    lead = joined.shape[1] - flags.shape[1]

    def cumulative(bit: HourFlag) -> npt.NDArray[np.int32]:
        out = np.zeros((joined.shape[0], joined.shape[1] + 1), dtype=np.int32)
        np.cumsum((joined & np.uint16(bit)) != 0, axis=1, dtype=np.int32, out=out[:, 1:])
        return out

    waking_cum = cumulative(HourFlag.OCCUPIED)
    below_cum = {name: cumulative(bit) for name, bit in COLD_DAY_LIMITS.items()}
    ends = np.arange(lead + 1, joined.shape[1] + 1)
    result = {
        name: np.zeros(flags.shape, np.int32) for name in (*COLD_DAY_LIMITS, "judged_days_7d")
    }
    for day in range(HOURS_7D // DAY_HOURS):
        end = ends - day * DAY_HOURS
        start = end - DAY_HOURS
        inside = start >= 0
        end, start = np.maximum(end, 0), np.maximum(start, 0)
        waking = waking_cum[:, end] - waking_cum[:, start]
        judged = inside & (waking >= config.cold_min_waking_hours)
        result["judged_days_7d"] += judged
        for name, cum in below_cum.items():
            warm = waking - (cum[:, end] - cum[:, start])
            result[name] += judged & (warm <= config.cold_warm_hours_max)
    return result


def damp_days(
    history: FlagArray, flags: FlagArray, config: AssessmentConfig
) -> dict[str, npt.NDArray[np.int32]]:
    """Damp days among the seven 24-hour windows ending at each frame hour, and the longest run.

    BS 5250 and BS EN ISO 13788 judge damp as sustained: a day counts when the room air was at
    70 % RH or more, with the wall surface at 80 % or more, for at least `damp_day_hours` of it,
    and damp persists when such days follow each other. A bedroom humid for a few hours each
    night, dry again by day, has no damp day; one damp day now and then, with drier days in
    between, lets the wall dry out. The room air is measured while the wall is often only
    estimated, so a run of days keeps an estimate near the limit from adding up to a damp week.
    """
    joined = np.concatenate([history[:, -HOURS_7D:], flags], axis=1)
    lead = joined.shape[1] - flags.shape[1]
    cum = np.zeros((joined.shape[0], joined.shape[1] + 1), dtype=np.int32)
    present = (joined & np.uint16(HourFlag.DAMP_AT_WALL)) != 0
    np.cumsum(present, axis=1, dtype=np.int32, out=cum[:, 1:])
    ends = np.arange(lead + 1, joined.shape[1] + 1)
    days = np.zeros(flags.shape, np.int32)
    run = np.zeros(flags.shape, np.int32)
    longest = np.zeros(flags.shape, np.int32)
    for day in range(HOURS_7D // DAY_HOURS):
        end = ends - day * DAY_HOURS
        start = end - DAY_HOURS
        inside = start >= 0
        end, start = np.maximum(end, 0), np.maximum(start, 0)
        damp = inside & (cum[:, end] - cum[:, start] >= config.damp_day_hours)
        days += damp
        run = np.where(damp, run + 1, 0).astype(np.int32)
        longest = np.maximum(longest, run)
    return {"damp_days_7d": days, "damp_run_days_7d": longest}


COUNT_WINDOWS: dict[str, tuple[HourFlag, int]] = {
    "hours_rh70_7d": (HourFlag.RH70, HOURS_7D),
    "hours_rh70_30d": (HourFlag.RH70, HOURS_30D),
    "hours_surface80_7d": (HourFlag.SURFACE80, HOURS_7D),
    "hours_surface80_30d": (HourFlag.SURFACE80, HOURS_30D),
    "hours_below_dew_point_7d": (HourFlag.BELOW_DEW, HOURS_7D),
    "hours_below_18c_7d": (HourFlag.COLD18, HOURS_7D),
    "hours_below_16c_7d": (HourFlag.COLD16, HOURS_7D),
    "occupied_hours_7d": (HourFlag.OCCUPIED, HOURS_7D),
    "night_hours_30d": (HourFlag.NIGHT, HOURS_30D),
    "hot_night_hours_30d": (HourFlag.NIGHT_HOT, HOURS_30D),
    "hours_co2_1500_7d": (HourFlag.CO2_HIGH, HOURS_7D),
    "data_hours_7d": (HourFlag.DATA, HOURS_7D),
}


def room_score(
    mould_index: FloatArray, counts: dict[str, npt.NDArray[np.int32]], night_pct: FloatArray
) -> FloatArray:
    """A 0–100 room score: the worst of mould, damp, cold, overheating and ventilation."""
    components = [
        np.minimum(mould_index / 3.0, 1.0) * 100.0,
        np.minimum(counts["hours_surface80_7d"] / 96.0, 1.0) * 100.0,
        np.minimum(counts["cold_days_7d"] / 5.0, 1.0) * 100.0,
        np.minimum(np.nan_to_num(night_pct) / 3.0, 1.0) * 100.0,
        np.minimum(counts["hours_co2_1500_7d"] / 84.0, 1.0) * 60.0,
    ]
    worst: FloatArray = np.maximum.reduce(components)
    return np.round(worst, 1)


def assess_rooms(
    frame: RoomFrame,
    history: FlagArray,
    mould_start: MouldGrid,
    config: AssessmentConfig,
) -> RoomIndicators:
    """Indicators of every room-hour of `frame`, given the flags of the hours before it."""
    surface_c, source = surface_temperature(
        frame.temperature_c, frame.outdoor_c, frame.probe_c, config, frame.outdoor_shared
    )
    surface_pct = surface_rh_pct(frame.temperature_c, frame.humidity_pct, surface_c)
    flags = hour_flags(frame, surface_c, surface_pct, config)
    index, dry = run_mould(surface_c, surface_pct, mould_start)
    by_bit: dict[HourFlag, tuple[int, ...]] = {}
    for bit, window in COUNT_WINDOWS.values():
        by_bit[bit] = (*by_bit.get(bit, ()), window)
    per_bit = {bit: rolling_counts(history, flags, bit, windows) for bit, windows in by_bit.items()}
    counts = {name: per_bit[bit][window] for name, (bit, window) in COUNT_WINDOWS.items()}
    counts.update(cold_days(history, flags, config))
    counts.update(damp_days(history, flags, config))
    with np.errstate(invalid="ignore", divide="ignore"):
        night_pct = 100.0 * counts["hot_night_hours_30d"] / counts["night_hours_30d"]
    night_pct = np.where(
        frame.bedroom[:, None] & (counts["night_hours_30d"] > 0), night_pct, np.nan
    )
    return RoomIndicators(
        flags=flags,
        surface_temperature_c=np.where(np.isfinite(frame.temperature_c), surface_c, np.nan),
        surface_rh_pct=surface_pct,
        surface_source=source,
        mould_index=index,
        mould_dry_hours=dry,
        counts=counts,
        overheating_night_pct=night_pct,
        score=room_score(index, counts, night_pct),
    )
