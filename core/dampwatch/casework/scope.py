"""Which flags start the statutory clock, and which case a home's new flag belongs to.

Phase 1 of Awaab's Law (27 October 2025) covers every emergency hazard and significant damp and
mould hazards (`dampwatch.assessment.kinds.hazard_level`). Phase 2 (expected in 2026) adds
significant excess cold and excess heat: from a configured commencement date, the cold-home and
overheating flags at the significant level start the same clock.

One visit, not seven: a home's hazard flags share one case while its investigation is pending.
After the investigation, a flag of a room and kind the case already covers joins it (the same
issue, still being put right); a new potential hazard opens a new case, and so does any
emergency (it needs its own 24-hour investigation).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from dampwatch.assessment.kinds import HAZARD_KINDS, AlertKind, Severity, hazard_level
from dampwatch.statutory import UK_TIMEZONE, HazardLevel

PHASE2_KINDS: Final = frozenset({AlertKind.COLD_HOME, AlertKind.OVERHEATING})
# Severities that call for a visit even where the law sets no clock.
CASE_OPENING: Final = frozenset({Severity.HIGH, Severity.EMERGENCY})


def clock_level(
    kind: AlertKind, severity: Severity, aware_at: datetime, phase2_from: date | None
) -> HazardLevel | None:
    """The statutory level of a flag seen at `aware_at`, or None when no clock runs for it."""
    level = hazard_level(kind, severity)
    if level is not None or phase2_from is None:
        return level
    in_phase2 = aware_at.astimezone(UK_TIMEZONE).date() >= phase2_from
    if in_phase2 and kind in PHASE2_KINDS and severity is Severity.HIGH:
        return HazardLevel.SIGNIFICANT
    return None


@dataclass(frozen=True)
class Clock:
    """A case's statutory footing: its level and when the landlord became aware of it."""

    level: HazardLevel | None = None
    aware_at: datetime | None = None
    emergency_aware_at: datetime | None = None

    def with_flag(self, level: HazardLevel | None, at: datetime) -> Clock:
        """The clock after a flag of `level` seen at `at` joins the case (never slower)."""
        if level is None:
            return self
        if self.level is None or self.aware_at is None:
            return Clock(level, at, None)
        if level is self.level:
            return replace(self, aware_at=min(self.aware_at, at))
        if level is HazardLevel.EMERGENCY:
            earliest = min(self.emergency_aware_at or at, at)
            return replace(self, emergency_aware_at=earliest)
        return self


class Placement(StrEnum):
    """Where a new flag of a home goes."""

    JOIN = "join"  # onto an open case
    NEW = "new"  # a case of its own
    NONE = "none"  # no case: not a hazard, or not serious enough to call for a visit


@dataclass(frozen=True)
class OpenCase:
    """What the grouping needs to know of a home's open case."""

    case_id: int
    investigated: bool
    covers: frozenset[tuple[str, str]]  # (room, kind) of its flags


def place_flag(
    cases: list[OpenCase], room: str, kind: AlertKind, severity: Severity, level: HazardLevel | None
) -> tuple[Placement, int | None]:
    """Where a flag goes among the home's open cases, and which case it joins."""
    if kind not in HAZARD_KINDS:
        return Placement.NONE, None
    pending = [case for case in cases if not case.investigated]
    if pending:
        return Placement.JOIN, pending[0].case_id
    if level is not HazardLevel.EMERGENCY:
        for case in cases:
            if (room, kind.value) in case.covers:
                return Placement.JOIN, case.case_id
    if severity in CASE_OPENING:
        return Placement.NEW, None
    return Placement.NONE, None


def case_reference(case_id: int) -> str:
    """A case's reference as officers and tenants quote it (DW000123)."""
    return f"DW{case_id:06d}"
