"""The words of a room alert's evidence: what was seen, over which window, against which limit.

Rooms are named as registered ("Main bedroom"), else by their id ("the bedroom 1"); the wall's
temperature says how it was found (dampwatch.assessment.surface); a damp judgement made on a
humidity sensor suspected of drifting says so and by how much its readings were corrected.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from dampwatch.assessment.config import HOURS_7D, HOURS_30D, AssessmentConfig
from dampwatch.assessment.frame import RoomFrame
from dampwatch.assessment.indicators import RoomIndicators
from dampwatch.assessment.kinds import AlertKind, Evidence
from dampwatch.assessment.surface import SOURCE_WORDS, SurfaceSource

DAMP_KINDS: Final = frozenset({AlertKind.MOULD_RISK, AlertKind.CONDENSATION_RISK})


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
    evidence = _base_evidence(kind, frame, ind, row=row, col=col, config=config)
    offset = float("nan")
    if kind in DAMP_KINDS and frame.drift_offset_pct is not None:
        offset = float(frame.drift_offset_pct[row, col])
    if not np.isfinite(offset):
        return evidence
    return Evidence(
        f"{evidence.text} The humidity sensor here is suspected of drifting (see its sensor "
        f"fault alert): {offset:.0f} % RH was taken off its readings for this judgement; check "
        f"the room and the sensor.",
        evidence.window_hours,
        evidence.threshold,
        {**evidence.observed, "drift_offset_pct": round(offset, 1)},
    )


def _surface_words(source: int, config: AssessmentConfig) -> str:
    words = SOURCE_WORDS[SurfaceSource(source)]
    return words.format(f=config.temperature_factor, margin=config.air_margin_k)


def _base_evidence(
    kind: AlertKind,
    frame: RoomFrame,
    ind: RoomIndicators,
    *,
    row: int,
    col: int,
    config: AssessmentConfig,
) -> Evidence:
    """The evidence of one kind, before the drift note."""
    room = frame.room_words(row)
    c = {name: int(values[row, col]) for name, values in ind.counts.items()}
    surface = _surface_words(int(ind.surface_source[row, col]), config)
    if kind is AlertKind.MOULD_RISK:
        index = float(ind.mould_index[row, col])
        return Evidence(
            f"The mould growth index of the coldest wall in {room} has reached {index:.1f} "
            f"(VTT scale: 1 = first microscopic growth, 3 = visible mould) after repeated damp "
            f"conditions at the wall surface ({surface}).",
            HOURS_30D,
            f"mould index {config.mould_raise_index:.1f} or more (VTT model, Ojanen et al. 2010)",
            {"mould_index": round(index, 2), "hours_surface80_30d": c["hours_surface80_30d"]},
        )
    if kind is AlertKind.CONDENSATION_RISK:
        probed = int(ind.surface_source[row, col]) == SurfaceSource.WALL_PROBE
        limit = config.surface_rh_pct if probed else config.estimated_surface_rh_pct
        allowance = (
            ""
            if probed
            else f" (the {config.surface_rh_pct:g} % limit plus the humidity sensors' "
            f"±{config.humidity_accuracy_pct:g} %RH, as the wall is estimated)"
        )
        return Evidence(
            f"The coldest wall in {room} was at {limit:g} % relative humidity or more{allowance} "
            f"for {c['hours_surface80_7d']} of the last 168 hours ({surface}), and below "
            f"the dew point (wet with condensation) for {c['hours_below_dew_point_7d']} hours. "
            f"The room air was at 70 % or more for {c['hours_rh70_7d']} hours; on "
            f"{c['damp_days_7d']} "
            f"of the last 7 days ({c['damp_run_days_7d']} of them in a row) the room air was "
            f"that humid, with the wall that damp, for at least {config.damp_day_hours} hours "
            f"of the day. Mould can start when this lasts for days.",
            HOURS_7D,
            f"{config.condensation_raise_hours_7d} hours at {config.surface_rh_pct:g} % surface "
            f"RH ({config.estimated_surface_rh_pct:g} % on a wall estimated "
            f"without a probe) with "
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
        unknown = c["presence_unknown_days_7d"]
        if unknown:
            out_days += (
                f" On {unknown} of the days whether anyone was at home by day could not be told "
                f"from the moisture people add to the air, so all their waking hours were judged"
                f"{' unless the heating was set back' if c['setback_days_7d'] else ''}."
            )
        return Evidence(
            f"On {c['cold_days_7d']} of the last 7 days {room} was below 18 °C for at least "
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
                    "presence_unknown_days_7d",
                    "hours_below_18c_7d",
                    "occupied_hours_7d",
                )
            },
        )
    percent = float(np.nan_to_num(ind.overheating_night_pct[row, col]))
    subject = f"{room[:1].upper()}{room[1:]}"
    return Evidence(
        f"{subject} was above 26 °C for {c['hot_night_hours_30d']} night hours (22:00–07:00) "
        f"in the last 30 days, {percent:.0f} % of the night hours measured; CIBSE TM59 allows "
        f"1 % of a whole year's night hours (33 hours).",
        HOURS_30D,
        f"{config.overheating_raise_hours_30d} hot night hours in 30 days (CIBSE TM59)",
        {
            "hot_night_hours_30d": c["hot_night_hours_30d"],
            "overheating_night_pct": round(percent, 1),
        },
    )
