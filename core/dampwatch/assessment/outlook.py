"""Early warning: where each room's hazard rules are heading over the next days.

A room's recent hours are carried on in a few plausible ways (scenarios: the last week again, the
last three days' regime, the last day's (a change of habits), the last three days with their
steady day-over-day trend continued; outdoor from a forecast when given). Each continuation is
appended after the hours already judged and run through the same indicators and rules as the
alerts (assess_rooms, room_verdicts), so a projection crosses exactly when the rule itself would
raise. The share of scenarios that cross is the household's uncertainty: all of them crossing
is a room that will most likely meet the rule however the household carries on. The sensor's
is honoured too: the projected hours are judged with the humidity at the low end of the
sensor's stated accuracy (lower_band), so a room crossing only within it is not watched.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import HOURS_7D, AssessmentConfig
from dampwatch.assessment.flags import FlagArray
from dampwatch.assessment.frame import RoomFrame
from dampwatch.assessment.indicators import MouldGrid, assess_rooms
from dampwatch.assessment.kinds import AlertKind
from dampwatch.assessment.rules import RAISE, room_verdicts

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
HORIZON_H: Final = HOURS_7D
DAY_H: Final = 24
WATCH_KINDS: Final = (AlertKind.MOULD_RISK, AlertKind.CONDENSATION_RISK, AlertKind.COLD_HOME)
# A trend is continued only as far as rooms really drift in a week; beyond it, a noisy fit.
MAX_TEMPERATURE_TREND_K_PER_DAY: Final = 0.75
MAX_HUMIDITY_TREND_PCT_PER_DAY: Final = 3.0
# ...and only a steady one (Kendall's tau of the daily means): weather makes rooms wander for a
# few days and back, which a straight line through the week would carry on for a whole week more.
MIN_TREND_CONCORDANCE: Final = 0.6


@dataclass(frozen=True)
class Scenario:
    """One way a room may carry on: the hours repeated, and whether their trend continues."""

    name: str
    words: str  # completes "If this room carries on …"
    repeat_hours: int  # the last hours repeated (a whole number of days keeps the daily rhythm)
    trend: bool = False


WEEK: Final = Scenario("week", "like the last seven days", 7 * DAY_H)
THREE_DAYS: Final = Scenario("three_days", "like the last three days", 3 * DAY_H)
TREND: Final = Scenario(
    "trend", "as it has been changing day by day over the last week", 3 * DAY_H, trend=True
)
LAST_DAY: Final = Scenario("last_day", "like the last day", DAY_H)
SCENARIOS: Final = (WEEK, THREE_DAYS, LAST_DAY, TREND)


@dataclass(frozen=True)
class KindOutlook:
    """One kind's projection per room."""

    first_hour: IntArray  # (K, R) hours from now to the first projected raise; -1: none
    share: FloatArray  # (R,) share of scenarios that raise within the horizon
    expected_hours: FloatArray  # (R,) median hours to the raise among those that raise; NaN none
    scenario: IntArray  # (R,) the scenario whose crossing is the median one; -1 none


@dataclass(frozen=True)
class Outlook:
    """The projection of every room: per kind, and the indicators the rules use at the horizon."""

    scenarios: tuple[Scenario, ...]
    kinds: dict[AlertKind, KindOutlook]
    mould_index: FloatArray  # (R,) median over scenarios of the highest projected index
    damp_run_days: FloatArray  # (R,) …of the longest run of damp days in 7
    surface80_hours: FloatArray  # (R,) …of hours at 80 % wall RH in 7 days
    cold_days: FloatArray  # (R,) …of cold days in 7
    horizon_h: int


def observed(frame: RoomFrame, end_col: int, hours: int = HOURS_7D) -> RoomFrame:
    """The `hours` columns of `frame` before column `end_col` (what was known at that hour)."""
    cut = slice(max(end_col - hours, 0), end_col)
    shared = None if frame.outdoor_shared is None else frame.outdoor_shared[:, cut]
    return replace(
        frame,
        start_hour=frame.start_hour + cut.start,
        temperature_c=frame.temperature_c[:, cut],
        humidity_pct=frame.humidity_pct[:, cut],
        probe_c=frame.probe_c[:, cut],
        co2_ppm=frame.co2_ppm[:, cut],
        outdoor_c=frame.outdoor_c[:, cut],
        outdoor_shared=shared,
    )


def _source_offsets(repeat: int, horizon: int) -> IntArray:
    """For each future hour j, how many hours back from now the copied hour lies (negative)."""
    j = np.arange(horizon)
    return (j % repeat) - repeat


def _daily_trend(values: FloatArray, days: int, limit: float) -> FloatArray:
    """Per row, the least-squares slope per day of the daily means of the last `days` days."""
    daily = values[:, -days * DAY_H :].reshape(values.shape[0], days, DAY_H)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day without data: NaN, skipped below
        means = np.nanmean(daily, axis=2)
    x = np.arange(days, dtype=np.float64)
    known = np.isfinite(means)
    count = known.sum(axis=1)
    xm = np.where(known, x, 0.0).sum(axis=1) / np.maximum(count, 1)
    ym = np.where(known, means, 0.0).sum(axis=1) / np.maximum(count, 1)
    dx = np.where(known, x - xm[:, None], 0.0)
    dy = np.where(known, means - ym[:, None], 0.0)
    denominator = (dx * dx).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where((count >= 3) & (denominator > 0), (dx * dy).sum(axis=1) / denominator, 0.0)
    steady = np.abs(_concordance(means)) >= MIN_TREND_CONCORDANCE
    return np.where(steady, np.clip(slope, -limit, limit), 0.0)


def _concordance(means: FloatArray) -> FloatArray:
    """Kendall's tau of each row's daily means against time (pairs with both days known)."""
    later = means[:, None, :] - means[:, :, None]  # [r, i, j] = m_j - m_i
    upper = np.triu(np.ones(later.shape[1:], np.bool_), k=1)[None, :, :]
    known = upper & np.isfinite(later)
    signs = np.where(known, np.sign(np.nan_to_num(later)), 0.0).sum(axis=(1, 2))
    pairs = known.sum(axis=(1, 2))
    tau: FloatArray = np.where(pairs > 0, signs / np.maximum(pairs, 1), 0.0)
    return tau


def continuation(
    recent: RoomFrame,
    scenario: Scenario,
    horizon: int = HORIZON_H,
    outdoor_c: FloatArray | None = None,
) -> RoomFrame:
    """The next `horizon` hours of every room of `recent` (observed, ending now) in `scenario`.

    `outdoor_c` (R, horizon): the outdoor temperature to assume (a forecast, or the month's
    climate); else the repeated hours keep the outdoor temperature they had.
    """
    if recent.hours < HOURS_7D:
        raise ValueError(f"a projection needs {HOURS_7D} observed hours, got {recent.hours}")
    source = recent.hours + _source_offsets(scenario.repeat_hours, horizon)
    ahead = np.arange(horizon) - (source - recent.hours)  # hours between source and future hour
    temperature = recent.temperature_c[:, source]
    humidity = recent.humidity_pct[:, source]
    if scenario.trend:
        days = HOURS_7D // DAY_H
        t_slope = _daily_trend(recent.temperature_c, days, MAX_TEMPERATURE_TREND_K_PER_DAY)
        h_slope = _daily_trend(recent.humidity_pct, days, MAX_HUMIDITY_TREND_PCT_PER_DAY)
        temperature = temperature + t_slope[:, None] * ahead[None, :] / DAY_H
        humidity = np.clip(humidity + h_slope[:, None] * ahead[None, :] / DAY_H, 0.0, 100.0)
    outdoor = recent.outdoor_c[:, source] if outdoor_c is None else outdoor_c
    shared = None if recent.outdoor_shared is None else recent.outdoor_shared[:, source]
    return replace(
        recent,
        start_hour=recent.start_hour + recent.hours,
        temperature_c=temperature,
        humidity_pct=humidity,
        probe_c=recent.probe_c[:, source],
        co2_ppm=recent.co2_ppm[:, source],
        outdoor_c=outdoor,
        outdoor_shared=shared,
    )


def lower_band(future: RoomFrame, config: AssessmentConfig) -> RoomFrame:
    """The projected hours with the room's humidity at the low end of the sensor's accuracy.

    A projection repeats readings that may be `humidity_accuracy_pct` high: a room whose future
    crosses a damp rule only within that band is on the limit, not heading there. A watch asks
    a household to act this week, so it rests on the lower band, as an alert rests on hours
    that were measured; the hours already judged keep their own flags.
    """
    humidity = np.clip(future.humidity_pct - config.humidity_accuracy_pct, 0.0, 100.0)
    return replace(future, humidity_pct=humidity)


def _stacked(frames: list[RoomFrame]) -> RoomFrame:
    """The scenarios' frames as one, each scenario's homes named apart (presence is per home)."""
    homes = [f"{home}\x1f{k}" for k, frame in enumerate(frames) for home in frame.homes]
    first = frames[0]

    def cat(name: str) -> FloatArray:
        return np.concatenate([getattr(frame, name) for frame in frames], axis=0)

    shared = (
        None
        if first.outdoor_shared is None
        else np.concatenate(
            [frame.outdoor_shared for frame in frames if frame.outdoor_shared is not None]
        )
    )
    return RoomFrame(
        homes,
        [room for frame in frames for room in frame.rooms],
        np.concatenate([frame.bedroom for frame in frames]),
        np.concatenate([frame.cold_judged for frame in frames]),
        first.start_hour,
        cat("temperature_c"),
        cat("humidity_pct"),
        cat("probe_c"),
        cat("co2_ppm"),
        cat("outdoor_c"),
        shared,
    )


def _median_scenario(first: IntArray) -> tuple[FloatArray, IntArray]:
    """Per room, the median crossing hour among the scenarios that cross, and whose it is."""
    crossing = np.where(first >= 0, first.astype(np.float64), np.nan)
    ordered = np.sort(crossing, axis=0)  # NaN last
    count = np.isfinite(crossing).sum(axis=0)
    pick = np.take_along_axis(ordered, np.maximum(count - 1, 0)[None, :] // 2, axis=0)[0]
    expected = np.where(count > 0, pick, np.nan)
    matches = crossing == expected[None, :]
    scenario = np.where(count > 0, np.argmax(matches, axis=0), -1)
    return expected, scenario.astype(np.int64)


def project(
    recent: RoomFrame,
    history: FlagArray,
    mould_now: MouldGrid,
    vulnerable: npt.NDArray[np.bool_],
    config: AssessmentConfig,
    *,
    scenarios: tuple[Scenario, ...] = SCENARIOS,
    horizon: int = HORIZON_H,
    outdoor_c: FloatArray | None = None,
) -> Outlook:
    """Project every room of `recent` over the next `horizon` hours in each scenario.

    `history`: the hour flags up to now (the last of them the last observed hour), as the cycle
    keeps them; `mould_now`: the mould state after the last observed hour.
    """
    count = len(recent.rooms)
    futures = [lower_band(continuation(recent, s, horizon, outdoor_c), config) for s in scenarios]
    stacked = _stacked(futures)
    k = len(scenarios)
    # The projected humidity is already at the low end of the band: an estimated wall is judged
    # against the plain limit, not the limit plus the band again (surface.surface_limit_pct).
    # Lowering the air by the band lowers the wall's RH by at least as much, so this is no laxer.
    banded = replace(config, humidity_accuracy_pct=0.0)
    ind = assess_rooms(
        stacked,
        np.tile(history, (k, 1)),
        MouldGrid(np.tile(mould_now.index, k), np.tile(mould_now.dry_hours, k)),
        banded,
    )
    verdicts = room_verdicts(stacked, ind, np.tile(vulnerable, k), banded)
    kinds: dict[AlertKind, KindOutlook] = {}
    for kind in WATCH_KINDS:
        raised = (verdicts[kind].verdict == RAISE).reshape(k, count, horizon)
        first = np.where(raised.any(axis=2), np.argmax(raised, axis=2), -1).astype(np.int64)
        expected, scenario = _median_scenario(first)
        kinds[kind] = KindOutlook(first, (first >= 0).mean(axis=0), expected, scenario)

    def peak(values: npt.NDArray[np.generic]) -> FloatArray:
        highest = np.asarray(values, np.float64).reshape(k, count, horizon).max(axis=2)
        median: FloatArray = np.median(highest, axis=0)
        return median

    return Outlook(
        tuple(scenarios),
        kinds,
        mould_index=peak(ind.mould_index),
        damp_run_days=peak(ind.counts["damp_run_days_7d"]),
        surface80_hours=peak(ind.counts["hours_surface80_7d"]),
        cold_days=peak(ind.counts["cold_days_7d"]),
        horizon_h=horizon,
    )


RULE_WORDS: Final = {
    AlertKind.MOULD_RISK: "the mould rule (first mould growth on its coldest wall)",
    AlertKind.CONDENSATION_RISK: "the damp rule (days of damp air at a damp wall)",
    AlertKind.COLD_HOME: "the cold-home rule (most days below 18 °C)",
}


def _in_about(hours: float) -> str:
    if hours < DAY_H:
        return "within a day"
    days = round(hours / DAY_H)
    return f"in about {days} day{'s' if days != 1 else ''}"


def outlook_words(room: str, kind: AlertKind, outlook: Outlook, row: int) -> str:
    """The projection of one room and kind in a sentence an officer can repeat to a tenant."""
    projected = outlook.kinds[kind]
    name = room.replace("-", " ")
    scenario = int(projected.scenario[row])
    if scenario < 0:
        return f"The {name} is not heading for {RULE_WORDS[kind]} this week."
    total = len(outlook.scenarios)
    crossing = round(float(projected.share[row]) * total)
    return (
        f"If the {name} carries on {outlook.scenarios[scenario].words}, it will meet "
        f"{RULE_WORDS[kind]} {_in_about(float(projected.expected_hours[row]))} ({crossing} of "
        f"{total} ways of carrying on lead there)."
    )
