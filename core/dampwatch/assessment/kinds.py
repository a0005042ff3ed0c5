"""Alert kinds, severities and the finding a rule hands to the alert service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from dampwatch.statutory import HazardLevel


class AlertKind(StrEnum):
    """The kinds of contract v1 (`GET /v1/alerts`)."""

    MOULD_RISK = "mould_risk"
    CONDENSATION_RISK = "condensation_risk"
    COLD_HOME = "cold_home"
    OVERHEATING = "overheating"
    DEVICE_OFFLINE = "device_offline"
    BATTERY_LOW = "battery_low"
    SENSOR_FAULT = "sensor_fault"


class Severity(StrEnum):
    """How urgent an alert is; `emergency` and `high` are hazards under the statutory clock."""

    EMERGENCY = "emergency"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Verdict(StrEnum):
    """A rule's reading of one hour: raise, neither (hold as is), or below the clear threshold."""

    RAISE = "raise"
    HOLD = "hold"
    CLEAR = "clear"


class AlertStatus(StrEnum):
    """Lifecycle: open → acknowledged → resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


SEVERITY_RANK: Final[dict[Severity, int]] = {
    Severity.LOW: 0,
    Severity.MEDIUM: 1,
    Severity.HIGH: 2,
    Severity.EMERGENCY: 3,
}
HAZARD_KINDS: Final = frozenset(
    {AlertKind.MOULD_RISK, AlertKind.CONDENSATION_RISK, AlertKind.COLD_HOME, AlertKind.OVERHEATING}
)
DEVICE_KINDS: Final = frozenset(
    {AlertKind.DEVICE_OFFLINE, AlertKind.BATTERY_LOW, AlertKind.SENSOR_FAULT}
)
# Awaab's Law's first phase (October 2025) covers damp and mould hazards at the significant
# level and every hazard at the emergency level.
SIGNIFICANT_CLOCK_KINDS: Final = frozenset({AlertKind.MOULD_RISK, AlertKind.CONDENSATION_RISK})


def hazard_level(kind: AlertKind, severity: Severity) -> HazardLevel | None:
    """The statutory hazard level of an alert, or None when no clock runs for it."""
    if kind not in HAZARD_KINDS:
        return None
    if severity is Severity.EMERGENCY:
        return HazardLevel.EMERGENCY
    if severity is Severity.HIGH and kind in SIGNIFICANT_CLOCK_KINDS:
        return HazardLevel.SIGNIFICANT
    return None


@dataclass(frozen=True)
class Evidence:
    """What was seen, over which window, against which threshold, in plain words."""

    text: str
    window_hours: int
    threshold: str
    observed: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The evidence as stored with the alert."""
        return {
            "text": self.text,
            "window_hours": self.window_hours,
            "threshold": self.threshold,
            "observed": dict(self.observed),
        }


@dataclass(frozen=True)
class Finding:
    """A rule's verdict on one home, room (or "" for the home) and subject (a device or "")."""

    home_id: str
    room: str
    kind: AlertKind
    severity: Severity
    evidence: Evidence
    condition_since: datetime
    subject: str = ""
    # The condition already held at the first hour judged: it began at or before
    # `condition_since`, and an open alert may know an earlier start.
    held_before_frame: bool = False

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The identity under which at most one alert is open."""
        return (self.home_id, self.room, self.kind.value, self.subject)
