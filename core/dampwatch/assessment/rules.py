"""Room rules: per hour, raise / hold / clear for each hazard kind, with severity and evidence.

A rule raises only on a duration (hours over a window), never on one peak: a shower or cooking
lifts a bathroom or kitchen for an hour or two a day, far below the raise thresholds. Clearing
needs the value at or under a separate, lower clear threshold (and the alert service's hold-off).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import HOURS_7D, HOURS_30D, AssessmentConfig
from dampwatch.assessment.frame import RoomFrame, hour_start
from dampwatch.assessment.indicators import RoomIndicators
from dampwatch.assessment.kinds import (
    SEVERITY_RANK,
    AlertKind,
    Evidence,
    Finding,
    Severity,
    Verdict,
)
from dampwatch.assessment.surface import SOURCE_WORDS, SurfaceSource

CLEAR: Final = 0
HOLD: Final = 1
RAISE: Final = 2
VERDICTS: Final = {CLEAR: Verdict.CLEAR, HOLD: Verdict.HOLD, RAISE: Verdict.RAISE}
RANK_SEVERITY: Final = {rank: severity for severity, rank in SEVERITY_RANK.items()}
MIN_DATA_HOURS_7D: Final = 24  # fewer hours of data in a week: neither raise nor clear
ROOM_KINDS: Final = (
    AlertKind.MOULD_RISK,
    AlertKind.CONDENSATION_RISK,
    AlertKind.COLD_HOME,
    AlertKind.OVERHEATING,
)
IntGrid = npt.NDArray[np.int8]


@dataclass
class KindVerdicts:
    """Verdict codes (CLEAR/HOLD/RAISE) and severity ranks per room-hour for one kind."""

    verdict: IntGrid
    severity: IntGrid


def _grid(
    raise_: npt.NDArray[np.bool_], clear: npt.NDArray[np.bool_], enough: npt.NDArray[np.bool_]
) -> IntGrid:
    verdict = np.where(raise_, RAISE, np.where(clear, CLEAR, HOLD))
    return np.where(enough, verdict, HOLD).astype(np.int8)


def _ranks(*levels: tuple[npt.NDArray[np.bool_], Severity], base: Severity) -> IntGrid:
    rank = np.full(levels[0][0].shape, SEVERITY_RANK[base], dtype=np.int8)
    for condition, severity in levels:
        rank = np.where(condition, np.maximum(rank, SEVERITY_RANK[severity]), rank).astype(np.int8)
    return rank


def room_verdicts(
    frame: RoomFrame,
    ind: RoomIndicators,
    vulnerable: npt.NDArray[np.bool_],
    config: AssessmentConfig,
) -> dict[AlertKind, KindVerdicts]:
    """Every hazard kind's verdict and severity for every room-hour of the frame."""
    c = ind.counts
    enough = c["data_hours_7d"] >= MIN_DATA_HOURS_7D
    index = ind.mould_index
    vulnerable_grid = np.broadcast_to(vulnerable[:, None], index.shape)
    s80, dew = c["hours_surface80_7d"], c["hours_below_dew_point_7d"]
    cold_days = c["cold_days_7d"]
    hot = c["hot_night_hours_30d"]
    bedroom = np.broadcast_to(frame.bedroom[:, None], index.shape)
    cold_room = np.broadcast_to(frame.cold_judged[:, None], index.shape)
    return {
        AlertKind.MOULD_RISK: KindVerdicts(
            _grid(index >= config.mould_raise_index, index < config.mould_clear_index, enough),
            _ranks(
                (index >= config.mould_emergency_index, Severity.EMERGENCY),
                ((index >= config.mould_visible_index) & vulnerable_grid, Severity.EMERGENCY),
                base=Severity.HIGH,
            ),
        ),
        AlertKind.CONDENSATION_RISK: KindVerdicts(
            _grid(
                (
                    (s80 >= config.condensation_raise_hours_7d)
                    & (c["hours_rh70_7d"] >= config.room_rh_raise_hours_7d)
                    & (c["damp_run_days_7d"] >= config.condensation_raise_days)
                )
                | (dew >= config.dew_point_raise_hours_7d),
                (s80 <= config.condensation_clear_hours_7d)
                & (dew <= config.dew_point_clear_hours_7d),
                enough,
            ),
            _ranks((s80 >= config.condensation_high_hours_7d, Severity.HIGH), base=Severity.MEDIUM),
        ),
        AlertKind.COLD_HOME: KindVerdicts(
            _grid(
                cold_room & (cold_days >= config.cold_raise_days),
                ~cold_room | (cold_days <= config.cold_clear_days),
                enough & (c["judged_days_7d"] >= config.cold_min_judged_days),
            ),
            _ranks(
                (c["severe_cold_days_7d"] >= config.cold_raise_days, Severity.EMERGENCY),
                (c["very_cold_days_7d"] >= config.cold_raise_days, Severity.HIGH),
                base=Severity.MEDIUM,
            ),
        ),
        AlertKind.OVERHEATING: KindVerdicts(
            _grid(
                bedroom & (hot >= config.overheating_raise_hours_30d),
                ~bedroom | (hot <= config.overheating_clear_hours_30d),
                enough,
            ),
            _ranks(
                (hot >= 3 * config.overheating_raise_hours_30d, Severity.HIGH),
                base=Severity.MEDIUM,
            ),
        ),
    }


def _surface_words(source: int, config: AssessmentConfig) -> str:
    words = SOURCE_WORDS[SurfaceSource(source)]
    return words.format(f=config.temperature_factor, margin=config.air_margin_k)


def room_evidence(
    kind: AlertKind,
    frame: RoomFrame,
    ind: RoomIndicators,
    *,
    row: int,
    col: int,
    config: AssessmentConfig,
) -> Evidence:
    """What was seen in room `row` at hour `col`, in words an officer can repeat to a tenant."""
    room = frame.rooms[row].replace("-", " ")
    c = {name: int(values[row, col]) for name, values in ind.counts.items()}
    surface = _surface_words(int(ind.surface_source[row, col]), config)
    if kind is AlertKind.MOULD_RISK:
        index = float(ind.mould_index[row, col])
        return Evidence(
            f"The mould growth index of the coldest wall in the {room} has reached {index:.1f} "
            f"(VTT scale: 1 = first microscopic growth, 3 = visible mould) after repeated damp "
            f"conditions at the wall surface ({surface}).",
            HOURS_30D,
            f"mould index {config.mould_raise_index:.1f} or more (VTT model, Ojanen et al. 2010)",
            {"mould_index": round(index, 2), "hours_surface80_30d": c["hours_surface80_30d"]},
        )
    if kind is AlertKind.CONDENSATION_RISK:
        return Evidence(
            f"The coldest wall in the {room} was at 80 % relative humidity or more for "
            f"{c['hours_surface80_7d']} of the last 168 hours ({surface}), and below the dew "
            f"point (wet with condensation) for {c['hours_below_dew_point_7d']} hours. The room "
            f"air was at 70 % or more for {c['hours_rh70_7d']} hours; on {c['damp_days_7d']} "
            f"of the last 7 days ({c['damp_run_days_7d']} of them in a row) the room air was "
            f"that humid, with the wall that damp, for at least {config.damp_day_hours} hours "
            f"of the day. Mould can start when this lasts for days.",
            HOURS_7D,
            f"{config.condensation_raise_hours_7d} hours at 80 % surface RH with "
            f"{config.room_rh_raise_hours_7d} hours of room air at 70 % in 7 days, including "
            f"{config.condensation_raise_days} days in a row with at least "
            f"{config.damp_day_hours} such hours, or {config.dew_point_raise_hours_7d} hours "
            f"below the dew point (BS 5250)",
            {
                key: c[key]
                for key in (
                    "damp_days_7d",
                    "damp_run_days_7d",
                    "hours_surface80_7d",
                    "hours_below_dew_point_7d",
                    "hours_rh70_7d",
                )
            },
        )
    if kind is AlertKind.COLD_HOME:
        warm = config.cold_warm_hours_max
        out_days = (
            f" On {c['setback_days_7d']} of the days the household seemed to be out by day (the "
            f"room was left to cool between morning and evening, or nobody added moisture to its "
            f"air), so those days count as cold only when the room reached 18 °C for at most "
            f"{warm} waking hours."
            if c["setback_days_7d"]
            else ""
        )
        return Evidence(
            f"On {c['cold_days_7d']} of the last 7 days the {room} was below 18 °C for at least "
            f"half of the waking hours ({config.occupied_from_hour:02d}:00–"
            f"{config.occupied_to_hour:02d}:00) the household spends at home.{out_days} On "
            f"{c['very_cold_days_7d']} days it was that long below 16 °C and on "
            f"{c['severe_cold_days_7d']} days below 12 °C. The WHO recommends at least 18 °C; "
            f"below 16 °C raises the risk of breathing problems, below 12 °C of heart attacks "
            f"and strokes.",
            HOURS_7D,
            f"{config.cold_raise_days} of 7 days below 18 °C for half of the waking hours at "
            f"home (WHO 2018); 12 °C on those days is an emergency",
            {
                key: c[key]
                for key in (
                    "cold_days_7d",
                    "very_cold_days_7d",
                    "severe_cold_days_7d",
                    "setback_days_7d",
                    "hours_below_18c_7d",
                    "occupied_hours_7d",
                )
            },
        )
    percent = float(np.nan_to_num(ind.overheating_night_pct[row, col]))
    return Evidence(
        f"The {room} was above 26 °C for {c['hot_night_hours_30d']} night hours (22:00–07:00) "
        f"in the last 30 days, {percent:.0f} % of the night hours measured; CIBSE TM59 allows "
        f"1 % of a whole year's night hours (33 hours).",
        HOURS_30D,
        f"{config.overheating_raise_hours_30d} hot night hours in 30 days (CIBSE TM59)",
        {
            "hot_night_hours_30d": c["hot_night_hours_30d"],
            "overheating_night_pct": round(percent, 1),
        },
    )


def room_finding(
    kind: AlertKind,
    frame: RoomFrame,
    ind: RoomIndicators,
    verdicts: KindVerdicts,
    *,
    row: int,
    col: int,
    config: AssessmentConfig,
) -> Finding:
    """The finding for a raise verdict at room `row`, hour `col` (onset: start of the raise run)."""
    raising = verdicts.verdict[row, : col + 1] == RAISE
    not_raising = np.flatnonzero(~raising)
    onset = int(not_raising[-1]) + 1 if not_raising.size else 0
    return Finding(
        home_id=frame.homes[row],
        room=frame.rooms[row],
        kind=kind,
        severity=RANK_SEVERITY[int(verdicts.severity[row, col])],
        evidence=room_evidence(kind, frame, ind, row=row, col=col, config=config),
        condition_since=hour_start(frame.start_hour + onset),
    )


def hour_end(start_hour: int, col: int) -> datetime:
    """The end of the frame's hour `col`: when its verdict is known."""
    return hour_start(start_hour + col + 1)
