"""Day-level judgements over the last seven days: cold days and damp days per room-hour.

Both work on the hour flags of the frame joined to the flags of the hours before it, so a cycle
needs only new hours (see dampwatch.assessment.indicators).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import HOURS_7D, AssessmentConfig
from dampwatch.assessment.flags import FlagArray, HourFlag
from dampwatch.assessment.frame import hour_mask, local_dates, local_hours, local_weekdays

IntGrid = npt.NDArray[np.int32]
FloatGrid = npt.NDArray[np.float64]
SATURDAY: Final = 5
DAY_HOURS: Final = 24
COLD_DAY_LIMITS: Final = {
    "cold_days_7d": HourFlag.COLD18,
    "very_cold_days_7d": HourFlag.COLD16,
    "severe_cold_days_7d": HourFlag.COLD12,
}


def _joined(history: FlagArray, flags: FlagArray, hours: int) -> tuple[FlagArray, int]:
    joined = np.concatenate([history[:, -hours:], flags], axis=1)
    return joined, joined.shape[1] - flags.shape[1]


def _cumulative(present: npt.NDArray[np.bool_]) -> IntGrid:
    out = np.zeros((present.shape[0], present.shape[1] + 1), dtype=np.int32)
    np.cumsum(present, axis=1, dtype=np.int32, out=out[:, 1:])
    return out


def _bit(joined: FlagArray, bit: HourFlag) -> npt.NDArray[np.bool_]:
    present: npt.NDArray[np.bool_] = (joined & np.uint16(bit)) != 0
    return present


def out_by_day(
    history: FlagArray, flags: FlagArray, start_hour: int, config: AssessmentConfig
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per room-hour: (out on weekday daytimes, whether that is decided, whether it can be).

    Over the last `presence_window_days`, weekday daytime hours with people in the living room
    (dampwatch.assessment.presence) against evening hours: a household that gathers there in the
    evening but not by day is out by day. Unknown without enough compared hours of both, or when
    the evenings show nobody either (a household that spends them elsewhere). `measurable`: the
    living room and a bedroom were both measured at some hour of the window.
    """
    window = config.presence_window_days * DAY_HOURS
    joined, lead = _joined(history, flags, window)
    first = start_hour - lead
    hours_of_day = local_hours(first, joined.shape[1])
    weekday = local_weekdays(first, joined.shape[1]) < SATURDAY
    known, present = _bit(joined, HourFlag.PRESENCE_KNOWN), _bit(joined, HourFlag.PRESENT)
    ends = np.arange(lead + 1, joined.shape[1] + 1)
    starts = np.maximum(ends - window, 0)

    def share(hours: npt.NDArray[np.bool_]) -> tuple[FloatGrid, IntGrid]:
        known_cum = _cumulative(known & hours[None, :])
        present_cum = _cumulative(present & hours[None, :])
        counted = known_cum[:, ends] - known_cum[:, starts]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (present_cum[:, ends] - present_cum[:, starts]) / counted, counted

    daytime, daytime_hours = share(
        weekday & hour_mask(hours_of_day, *config.presence_daytime_hours)
    )
    evening, evening_hours = share(hour_mask(hours_of_day, *config.presence_evening_hours))
    known_cum = _cumulative(known)
    measurable = known_cum[:, ends] > known_cum[:, starts]
    with np.errstate(invalid="ignore"):
        decided = (
            (daytime_hours >= config.presence_min_known_hours)
            & (evening_hours >= config.presence_min_known_hours)
            & (evening >= config.presence_min_evening_share)
        )
        out = decided & (daytime <= config.presence_out_ratio * evening)
    return out, decided, measurable


def cold_days(
    history: FlagArray, flags: FlagArray, start_hour: int, config: AssessmentConfig
) -> dict[str, IntGrid]:
    """Cold days among the seven 24-hour windows ending at each frame hour.

    WHO 2018 asks for 18 °C in the hours a room is used, not at night or while the household is
    out with the heating off. A thermometer cannot see who is home, but the heating shows it. A
    day when the room was warm in the morning and the evening and cooled in between is a day the
    household was out (heating set back): it is judged on its warmest waking hours, cold when the
    room reached the limit for at most `cold_warm_hours_max` of them. Any other day is judged on
    all its waking hours, cold when at least half of them were below the limit.
    """
    joined, lead = _joined(history, flags, HOURS_7D)
    waking = _bit(joined, HourFlag.OCCUPIED)
    waking_cum = _cumulative(waking)
    below_cum = {name: _cumulative(_bit(joined, bit)) for name, bit in COLD_DAY_LIMITS.items()}
    hours_of_day = local_hours(start_hour - lead, joined.shape[1])
    cold18, heating = _bit(joined, HourFlag.COLD18), _bit(joined, HourFlag.HEATING_UP)
    morning = hour_mask(hours_of_day, *config.setback_morning_hours)
    daytime = hour_mask(hours_of_day, *config.setback_daytime_hours)
    parts = {
        "morning_heated": morning & ((waking & ~cold18) | heating),
        "daytime_cold": daytime & cold18,
        "daytime_heating": daytime & heating,
        "evening_warm": waking & ~cold18 & hour_mask(hours_of_day, *config.setback_evening_hours),
    }
    part_cum = {name: _cumulative(present) for name, present in parts.items()}
    out, decided, _measurable = out_by_day(history, flags, start_hour, config)
    # Where presence is decided it says whether the household is out by day. Where it is not
    # (too few compared hours, no bedroom measured), nobody is assumed out: a household at home
    # all day in a cold home must not be judged on its warmest hours only. Only a day whose
    # heating shows the set-back (warm morning and evening, cooled between) counts as out.
    ends = np.arange(lead + 1, joined.shape[1] + 1)
    result = {
        name: np.zeros(flags.shape, np.int32)
        for name in (
            *COLD_DAY_LIMITS,
            "judged_days_7d",
            "setback_days_7d",
            "presence_unknown_days_7d",
        )
    }
    for day in range(HOURS_7D // DAY_HOURS):
        end = ends - day * DAY_HOURS
        start = end - DAY_HOURS
        inside = start >= 0
        end, start = np.maximum(end, 0), np.maximum(start, 0)
        waking_hours = waking_cum[:, end] - waking_cum[:, start]
        judged = inside & (waking_hours >= config.cold_min_waking_hours)
        count = {name: cum[:, end] - cum[:, start] for name, cum in part_cum.items()}
        setback = (
            (count["morning_heated"] >= config.setback_min_morning_warm)
            & (count["daytime_cold"] >= config.setback_min_daytime_cold)
            & (count["daytime_heating"] <= config.setback_max_daytime_heating)
            & (count["evening_warm"] >= config.setback_min_evening_warm)
        )
        setback = np.where(decided, out, setback)
        result["judged_days_7d"] += judged
        result["presence_unknown_days_7d"] += judged & ~decided
        result["setback_days_7d"] += judged & setback
        for name, cum in below_cum.items():
            below = cum[:, end] - cum[:, start]
            warm = waking_hours - below
            cold = np.where(setback, warm <= config.cold_warm_hours_max, 2 * below >= waking_hours)
            result[name] += judged & cold
    return result


def damp_days(
    history: FlagArray, flags: FlagArray, start_hour: int, config: AssessmentConfig
) -> dict[str, IntGrid]:
    """Damp days among the last seven local calendar days at each frame hour, and the longest run.

    BS 5250 and BS EN ISO 13788 judge damp as sustained: a day counts when the room air was at
    70 % RH or more, with the wall surface at 80 % or more (82 % where the wall is estimated:
    surface.surface_limit_pct), for at least `damp_day_hours` of it, and damp persists when such
    days follow each other. A bedroom humid for a few hours each
    night, dry again by day, has no damp day; one damp day now and then, with drier days in
    between, lets the wall dry out. Days are calendar days, as an officer repeats them to a
    tenant ("Monday, Tuesday and Wednesday"): a spell of two and a half days that straddles three
    dates has two damp days, not three. Today counts as soon as it has its hours.
    """
    joined, lead = _joined(history, flags, HOURS_7D)
    damp = _bit(joined, HourFlag.DAMP_AT_WALL)
    cum = _cumulative(damp)
    dates = local_dates(start_hour - lead, joined.shape[1])
    first_of_day = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1]])
    day_of_hour = np.cumsum(np.r_[True, dates[1:] != dates[:-1]]) - 1
    day_bounds = np.r_[first_of_day, joined.shape[1]]
    whole_day = (cum[:, day_bounds[1:]] - cum[:, day_bounds[:-1]]) >= config.damp_day_hours
    columns = np.arange(lead, joined.shape[1])
    today = day_of_hour[columns]
    so_far = cum[:, columns + 1] - cum[:, first_of_day[today]]
    days = np.zeros(flags.shape, np.int32)
    run = np.zeros(flags.shape, np.int32)
    longest = np.zeros(flags.shape, np.int32)
    for back in range(HOURS_7D // DAY_HOURS):
        day = today - back
        if back == 0:
            is_damp = so_far >= config.damp_day_hours
        else:
            is_damp = whole_day[:, np.maximum(day, 0)] & (day >= 0)[None, :]
        days += is_damp
        run = np.where(is_damp, run + 1, 0).astype(np.int32)
        longest = np.maximum(longest, run)
    return {"damp_days_7d": days, "damp_run_days_7d": longest}
