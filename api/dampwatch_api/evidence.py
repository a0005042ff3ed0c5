"""How pages present an alert's evidence: rooms by their registered names, figures with units."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import Alert
from dampwatch_api.registry.models import Home, Room

# Labels and units of the figures the assessment keeps with an alert (`evidence.observed`).
FIGURES: Final[dict[str, tuple[str, str, int]]] = {
    "mould_index": ("Mould index (0 none, 6 heavy growth)", "", 1),
    "hours_surface80_30d": ("Hours with a damp wall, last 30 days", " h", 0),
    "hours_surface80_7d": ("Hours with a damp wall, last 7 days", " h", 0),
    "hours_below_dew_point_7d": ("Hours of condensation, last 7 days", " h", 0),
    "hours_rh70_7d": ("Hours of damp air (70 % or more), last 7 days", " h", 0),
    "damp_days_7d": ("Damp days, last 7 days", "", 0),
    "damp_run_days_7d": ("Damp days in a row", "", 0),
    "cold_days_7d": ("Cold days (below 18 °C), last 7 days", "", 0),
    "very_cold_days_7d": ("Very cold days (below 16 °C), last 7 days", "", 0),
    "severe_cold_days_7d": ("Dangerously cold days (below 12 °C), last 7 days", "", 0),
    "setback_days_7d": ("Days the household seemed out", "", 0),
    "presence_unknown_days_7d": ("Days nobody could tell whether the household was in", "", 0),
    "drift_offset_pct": ("Humidity taken off a drifting sensor's readings", " %", 1),
    "hours_below_18c_7d": ("Hours below 18 °C, last 7 days", " h", 0),
    "occupied_hours_7d": ("Waking hours at home, last 7 days", " h", 0),
    "hot_night_hours_30d": ("Night hours above 26 °C, last 30 days", " h", 0),
    "overheating_night_pct": ("Share of night hours above 26 °C", " %", 1),
    "last_seen_age_h": ("Hours since the sensor was last heard", " h", 0),
    "battery_pct": ("Battery", " %", 0),
    "stuck_hours": ("Hours of identical readings", " h", 0),
    "drift_excess_hpa": ("Extra water vapour against the other sensors", " hPa", 1),
    "lost_share_24h": ("Readings lost on the way, last 24 hours", "", 2),
    "temperature_c": ("Temperature", " °C", 1),
    "humidity_pct": ("Humidity", " %", 0),
}


# Built once (pages ask for it on every request); the ids bind as one expanding parameter.
ROOM_NAMES: Final = (
    select(Home.home_id, Room.room_id, Room.name)
    .join(Room, Room.home_pk == Home.id)
    .where(Home.home_id.in_(bindparam("homes", expanding=True)))
)


@dataclass(frozen=True)
class Figure:
    """One observed figure, labelled and with its unit."""

    label: str
    value: str


def room_names(session: Session, home_ids: Collection[str]) -> dict[tuple[str, str], str]:
    """Registered room names by (home id, room id)."""
    if not home_ids:
        return {}
    rows = session.execute(ROOM_NAMES, {"homes": list(home_ids)}).all()
    return {(row[0], row[1]): row[2] for row in rows}


def room_label(room_id: str, names: Mapping[tuple[str, str], str], home_id: str) -> str:
    """The room's registered name; its id made readable when it has none; "" for the home."""
    if not room_id:
        return ""
    return names.get((home_id, room_id)) or room_id.replace("-", " ").capitalize()


def with_room_name(text: str, room_id: str, name: str) -> str:
    """The evidence text naming the room as registered, not by its id ("bedroom 1")."""
    if not room_id or not name:
        return text
    for written in {room_id, room_id.replace("-", " ")}:
        text = re.sub(rf"\b{re.escape(written)}\b", name, text)
    return text


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    # Rounding a small negative value gives "-0": nobody writes that.
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def figures(evidence: Mapping[str, Any]) -> list[Figure]:
    """The evidence's observed figures, labelled, in a stable order; unknown ones as named."""
    observed = evidence.get("observed") or {}
    shown = []
    for name, value in observed.items():
        if not isinstance(value, int | float):
            continue
        label, unit, digits = FIGURES.get(name, (name.replace("_", " ").capitalize(), "", 1))
        if name == "lost_share_24h":
            shown.append(Figure(label, f"{_number(value * 100, 0)} %"))
            continue
        shown.append(Figure(label, f"{_number(float(value), digits)}{unit}"))
    return shown


def evidence_text(
    evidence: Mapping[str, Any] | None,
    home_id: str,
    room_id: str,
    kind: str,
    names: Mapping[tuple[str, str], str],
) -> str:
    """An alert's evidence in words, with the room's registered name."""
    text = str((evidence or {}).get("text", "")) or kind.replace("_", " ")
    return with_room_name(text, room_id, room_label(room_id, names, home_id))


def alert_text(alert: Alert, names: Mapping[tuple[str, str], str]) -> str:
    """The alert's evidence in words, with the room's registered name."""
    return evidence_text(alert.evidence, alert.home_id, alert.room, alert.kind, names)
