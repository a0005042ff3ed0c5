"""The home priority score that ranks the officers' board (0–100).

The score favours what the law and health evidence weigh most: severity first (an emergency
outranks any number of device problems), then how long the condition has lasted, then whether a
deadline has passed, and finally the people at risk: damp, mould and cold harm children, older
people and people with respiratory or immune conditions most (UKHSA/DLUHC "Understanding and
addressing the health risks of damp and mould in the home", 2023; WHO Housing and health
guidelines, 2018).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from dampwatch.assessment.kinds import HAZARD_KINDS, AlertKind, Severity

SEVERITY_POINTS: Final[dict[Severity, float]] = {
    Severity.EMERGENCY: 70.0,
    Severity.HIGH: 45.0,
    Severity.MEDIUM: 25.0,
    Severity.LOW: 8.0,
}
DEVICE_ALERT_FACTOR: Final = 0.4  # a device problem blinds us but is not itself a hazard
POINTS_PER_DAY_OPEN: Final = 1.0
MAX_DURATION_POINTS: Final = 15.0
OVERDUE_POINTS: Final = 10.0
OTHER_ALERTS_SHARE: Final = 0.25  # further alerts add a quarter of their points
VULNERABILITY_STEP: Final = 0.15
MAX_VULNERABILITY_FACTOR: Final = 1.5
MAX_SCORE: Final = 100.0
SECONDS_PER_DAY: Final = 86_400.0


@dataclass(frozen=True)
class OpenAlertView:
    """The parts of an open alert the score depends on."""

    kind: AlertKind
    severity: Severity
    condition_since: datetime
    overdue: bool


def alert_points(alert: OpenAlertView, now: datetime) -> float:
    """Points of one open alert: severity, plus duration and overdue for hazards."""
    points = SEVERITY_POINTS[alert.severity]
    if alert.kind not in HAZARD_KINDS:
        return points * DEVICE_ALERT_FACTOR
    days = max((now - alert.condition_since).total_seconds(), 0.0) / SECONDS_PER_DAY
    points += min(days * POINTS_PER_DAY_OPEN, MAX_DURATION_POINTS)
    if alert.overdue:
        points += OVERDUE_POINTS
    return points


def vulnerability_factor(flags: Collection[str]) -> float:
    """1 for no flag, +0.15 per distinct flag, at most 1.5."""
    return min(1.0 + VULNERABILITY_STEP * len(set(flags)), MAX_VULNERABILITY_FACTOR)


def home_priority(
    alerts: Sequence[OpenAlertView], vulnerability_flags: Collection[str], now: datetime
) -> float:
    """The home's score: its worst alert plus a share of the others, times vulnerability."""
    if not alerts:
        return 0.0
    points = sorted((alert_points(alert, now) for alert in alerts), reverse=True)
    raw = points[0] + OTHER_ALERTS_SHARE * sum(points[1:])
    return round(min(raw * vulnerability_factor(vulnerability_flags), MAX_SCORE), 1)
