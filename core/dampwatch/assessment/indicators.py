"""Per-room hourly indicators: surface conditions, the mould index and rolling-window counts.

Each hour gets bit flags (what held in that hour); rolling counts over 7 and 30 days come from
the flags of the frame and of the hours before it (the `history`), so a cycle needs only new
hours. The mould index runs hour by hour (dampwatch.mould, vectorised over rooms here; a test
holds the two to agreement).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dampwatch import mould
from dampwatch.assessment.config import HOURS_7D, HOURS_30D, AssessmentConfig
from dampwatch.assessment.days import cold_days, damp_days
from dampwatch.assessment.flags import FlagArray, HourFlag
from dampwatch.assessment.frame import RoomFrame, hour_mask, local_hours
from dampwatch.assessment.presence import living_room_presence
from dampwatch.assessment.surface import surface_limit_pct, surface_temperature
from dampwatch.psychrometrics_array import dew_point_c, surface_rh_pct

FloatArray = npt.NDArray[np.float64]


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
    frame: RoomFrame,
    surface_c: FloatArray,
    surface_pct: FloatArray,
    surface_limit: FloatArray,
    config: AssessmentConfig,
) -> FlagArray:
    """Bit flags of every room-hour (`surface_limit`: the wall RH that counts as damp there)."""
    temperature, humidity = frame.temperature_c, frame.humidity_pct
    hours_of_day = local_hours(frame.start_hour, frame.hours)
    occupied = hour_mask(hours_of_day, config.occupied_from_hour, config.occupied_to_hour)
    night = hour_mask(hours_of_day, config.night_from_hour, config.night_to_hour)
    has_t = np.isfinite(temperature)
    data = has_t & np.isfinite(humidity)
    present, presence_known = living_room_presence(frame, config)
    with np.errstate(invalid="ignore"):
        parts = [
            (HourFlag.DATA, data),
            (HourFlag.RH70, data & (humidity >= config.room_rh_screen_pct)),
            (HourFlag.SURFACE80, data & (surface_pct >= surface_limit)),
            (
                HourFlag.DAMP_AT_WALL,
                data & (humidity >= config.room_rh_screen_pct) & (surface_pct >= surface_limit),
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
            (HourFlag.HEATING_UP, heating_up(temperature, config.heating_rise_k)),
            (HourFlag.PRESENT, present),
            (HourFlag.PRESENCE_KNOWN, presence_known),
        ]
    flags = np.zeros(temperature.shape, dtype=np.uint16)
    for bit, condition in parts:
        flags |= np.where(condition, np.uint16(bit), np.uint16(0))
    return flags


def heating_up(temperature: FloatArray, rise_k: float) -> npt.NDArray[np.bool_]:
    """Hours at least `rise_k` warmer than two hours before (the frame's first two: unknown)."""
    rising = np.zeros(temperature.shape, np.bool_)
    with np.errstate(invalid="ignore"):
        rising[:, 2:] = temperature[:, 2:] - temperature[:, :-2] >= rise_k
    return rising


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
        frame.temperature_c,
        frame.outdoor_c,
        frame.probe_c,
        config,
        frame.outdoor_shared,
        outdoor_source=frame.outdoor_source,
    )
    surface_pct = surface_rh_pct(frame.temperature_c, frame.humidity_pct, surface_c)
    flags = hour_flags(frame, surface_c, surface_pct, surface_limit_pct(source, config), config)
    index, dry = run_mould(surface_c, surface_pct, mould_start)
    by_bit: dict[HourFlag, tuple[int, ...]] = {}
    for bit, window in COUNT_WINDOWS.values():
        by_bit[bit] = (*by_bit.get(bit, ()), window)
    per_bit = {bit: rolling_counts(history, flags, bit, windows) for bit, windows in by_bit.items()}
    counts = {name: per_bit[bit][window] for name, (bit, window) in COUNT_WINDOWS.items()}
    # Only the rooms a cold home is judged in need the (costlier) day judgements of cold.
    judged = np.flatnonzero(frame.cold_judged)
    for name, values in cold_days(history[judged], flags[judged], frame.start_hour, config).items():
        counts[name] = np.zeros(flags.shape, np.int32)
        counts[name][judged] = values
    counts.update(damp_days(history, flags, frame.start_hour, config))
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
