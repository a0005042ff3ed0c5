"""Open alerts as pages show them: officers' cases, tenants' flags (one per kind, advice once)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from dampwatch.assessment.kinds import DEVICE_KINDS, SEVERITY_RANK, AlertKind, Severity
from dampwatch_api.advice import FlagAdvice, advice_for, kind_title
from dampwatch_api.alerts.models import Alert
from dampwatch_api.evidence import Figure, alert_text, figures, room_label

# The order tenants read their flags in: health hazards first, the sensors last.
KIND_ORDER: Final = (
    AlertKind.COLD_HOME,
    AlertKind.MOULD_RISK,
    AlertKind.CONDENSATION_RISK,
    AlertKind.OVERHEATING,
    AlertKind.DEVICE_OFFLINE,
    AlertKind.SENSOR_FAULT,
    AlertKind.BATTERY_LOW,
)


def severity_rank(severity: str) -> int:
    """0 (low) to 3 (emergency); an unknown severity ranks as high."""
    try:
        return SEVERITY_RANK[Severity(severity)]
    except ValueError:
        return SEVERITY_RANK[Severity.HIGH]


@dataclass(frozen=True)
class CaseView:
    """An open alert on the officer's page."""

    alert: Alert
    title: str
    room: str
    evidence: str
    figures: list[Figure]


def cases(alerts: Sequence[Alert], names: Mapping[tuple[str, str], str]) -> list[CaseView]:
    """The open alerts, worst first, then the nearest deadline."""
    ordered = sorted(
        alerts,
        key=lambda alert: (
            -severity_rank(alert.severity),
            alert.kind in DEVICE_KINDS,
            alert.due_by.timestamp() if alert.due_by else float("inf"),
            alert.id,
        ),
    )
    return [
        CaseView(
            alert=alert,
            title=kind_title(alert.kind),
            room=room_label(alert.room, names, alert.home_id),
            evidence=alert_text(alert, names),
            figures=figures(alert.evidence or {}),
        )
        for alert in ordered
    ]


def _count(observed: Mapping[str, Any], name: str) -> int:
    value = observed.get(name)
    return int(value) if isinstance(value, int | float) else 0


def _hours_words(hours: int) -> str:
    """Hours as a person counts them: "9 hours", "about 4 days"."""
    if hours < 48:
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"about {round(hours / 24)} days"


def plain_evidence(alert: Alert) -> str:
    """What the sensors showed, in a tenant's words (never the assessment's jargon)."""
    observed = (alert.evidence or {}).get("observed") or {}
    if alert.kind == AlertKind.COLD_HOME and (days := _count(observed, "cold_days_7d")):
        return f"It was below 18 °C for much of the day on {days} of the last 7 days."
    if alert.kind == AlertKind.CONDENSATION_RISK and (days := _count(observed, "damp_days_7d")):
        return f"The air was damp for much of the day on {days} of the last 7 days."
    if alert.kind in (AlertKind.MOULD_RISK, AlertKind.CONDENSATION_RISK):
        for name, days in (("hours_surface80_30d", 30), ("hours_surface80_7d", 7)):
            if hours := _count(observed, name):
                return f"The walls were damp for {_hours_words(hours)} of the last {days} days."
    if alert.kind == AlertKind.OVERHEATING and (hours := _count(observed, "hot_night_hours_30d")):
        return f"It was over 26 °C for {_hours_words(hours)} at night in the last 30 days."
    return ""


@dataclass
class FlagGroup:
    """One kind of flag on the tenant's page: its advice once, the rooms it is in."""

    kind: str
    advice: FlagAdvice
    severity: str
    rooms: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # plain evidence, "Bedroom: ..."
    due_by: datetime | None = None

    @property
    def urgent(self) -> bool:
        """An emergency: the tenant is told to call today."""
        return self.severity == Severity.EMERGENCY.value


def flag_groups(alerts: Sequence[Alert], names: Mapping[tuple[str, str], str]) -> list[FlagGroup]:
    """The open alerts grouped by kind, in the order a tenant should read them."""
    groups: dict[str, FlagGroup] = {}
    for alert in alerts:
        group = groups.setdefault(
            alert.kind, FlagGroup(alert.kind, advice_for(alert.kind), alert.severity)
        )
        if severity_rank(alert.severity) > severity_rank(group.severity):
            group.severity = alert.severity
        room = room_label(alert.room, names, alert.home_id)
        if room and room not in group.rooms:
            group.rooms.append(room)
        if fact := plain_evidence(alert):
            group.facts.append(f"{room}: {fact}" if room else fact)
        if alert.due_by is not None and (group.due_by is None or alert.due_by < group.due_by):
            group.due_by = alert.due_by
    order = {kind.value: index for index, kind in enumerate(KIND_ORDER)}
    return sorted(
        groups.values(),
        key=lambda group: (-severity_rank(group.severity), order.get(group.kind, 99)),
    )
