"""The report's first-page summary: open cases worst first, the next deadline, the rooms."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from dampwatch.assessment.kinds import DEVICE_KINDS, SEVERITY_RANK, AlertStatus, Severity
from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.advice import kind_title
from dampwatch_api.alerts.models import Alert
from dampwatch_api.evidence import room_label
from dampwatch_api.report.data import ReportData


def uk_time(moment: datetime | None) -> str:
    """`14 Jan 2026 09:05` on UK clocks, or a dash."""
    if moment is None:
        return "-"
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UK_TIMEZONE)
    return f"{local.day} {local:%b %Y %H:%M}"


def _rank(alert: Alert) -> int:
    try:
        return SEVERITY_RANK[Severity(alert.severity)]
    except ValueError:
        return SEVERITY_RANK[Severity.HIGH]


def case_order(alerts: Sequence[Alert]) -> list[Alert]:
    """Open before resolved, worst first, hazards before sensors, then the nearest deadline."""
    return sorted(
        alerts,
        key=lambda alert: (
            alert.status == AlertStatus.RESOLVED.value,
            -_rank(alert),
            alert.kind in DEVICE_KINDS,
            alert.due_by or datetime.max.replace(tzinfo=UTC),
            alert.id,
        ),
    )


def _deadline(open_cases: list[Alert]) -> str:
    pending = [
        (alert.summary_due_by if alert.investigated_at else alert.due_by, alert)
        for alert in open_cases
    ]
    dated = [(due, alert) for due, alert in pending if due is not None]
    if not dated:
        return "No statutory deadline runs."
    due, alert = min(dated, key=lambda item: item[0])
    passed = " (passed)" if due < datetime.now(UTC) else ""
    what = "written summary" if alert.investigated_at else "investigation"
    return f"{what.capitalize()} of {kind_title(alert.kind).lower()} by {uk_time(due)}{passed}"


def _worst_room(data: ReportData) -> str:
    scored = [
        (room.risk.get("mould_index", 0.0), room.risk.get("hours_surface80_30d", 0.0), room)
        for room in data.rooms
        if room.risk
    ]
    if not scored:
        return "-"
    index, hours, room = max(scored, key=lambda item: (item[0], item[1]))
    return f"{escape(room.name)}: mould index {index:.1f}, wall damp {hours:.0f} h in 30 days"


def summary_rows(data: ReportData) -> list[list[str]]:
    """Label and value rows of the summary table (escaped for reportlab's markup)."""
    open_cases = case_order([a for a in data.alerts if a.status != AlertStatus.RESOLVED.value])
    counts = Counter(alert.severity for alert in open_cases)
    severities = ", ".join(
        f"{counts[level.value]} {level.value}" for level in Severity if counts[level.value]
    )
    listed = "<br/>".join(
        f"<b>{alert.severity.capitalize()}</b>: {escape(kind_title(alert.kind))}"
        + (
            f" in {escape(room)}"
            if (room := room_label(alert.room, data.names, alert.home_id))
            else ""
        )
        for alert in open_cases
    )
    return [
        ["Open cases", f"{len(open_cases)} ({severities})" if open_cases else "none"],
        ["Worst first", listed or "-"],
        ["Next deadline", escape(_deadline(open_cases))],
        ["Readings", "collected" if data.consent else "not collected: consent withdrawn"],
        ["Rooms measured", str(len(data.rooms))],
        ["Dampest room", _worst_room(data)],
    ]
