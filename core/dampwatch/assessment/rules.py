"""Room rules: per hour, raise / hold / clear for each hazard kind, with severity and evidence.

A rule raises only on a duration (hours over a window), never on one peak: a shower or cooking
lifts a bathroom or kitchen for an hour or two a day, far below the raise thresholds. Clearing
needs the value at or under a separate, lower clear threshold (and the alert service's hold-off).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.frame import RoomFrame, hour_start
from dampwatch.assessment.indicators import RoomIndicators
from dampwatch.assessment.kinds import (
    SEVERITY_RANK,
    AlertKind,
    Finding,
    Severity,
    Verdict,
)
from dampwatch.assessment.room_evidence import room_evidence
from dampwatch.statutory import UK_TIMEZONE

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
    since = hour_start(frame.start_hour + onset)
    evidence = room_evidence(kind, frame, ind, row=row, col=col, config=config)
    # Judged on hours before this frame too: a run from the frame's first hour began earlier.
    evidence = replace(evidence, text=f"{evidence.text} {held_since(since, exact=onset > 0)}")
    return Finding(
        home_id=frame.homes[row],
        room=frame.rooms[row],
        kind=kind,
        severity=RANK_SEVERITY[int(verdicts.severity[row, col])],
        evidence=evidence,
        condition_since=since,
        held_before_frame=onset == 0,
    )


def held_since(since: datetime, *, exact: bool) -> str:
    """The evidence's last sentence: since when the condition has held, in UK time."""
    # In the homes' own time, as every other time officers and tenants read.
    local = since.astimezone(UK_TIMEZONE)
    lasted = "since" if exact else "at least since"
    return f"This has held {lasted} {local:%-d %B %Y, %H:%M} UK time."


def hour_end(start_hour: int, col: int) -> datetime:
    """The end of the frame's hour `col`: when its verdict is known."""
    return hour_start(start_hour + col + 1)
