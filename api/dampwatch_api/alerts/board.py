"""The officers' board: homes with open alerts, ranked by priority, with clock and top reasons."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import (
    HAZARD_KINDS,
    SEVERITY_RANK,
    AlertKind,
    AlertStatus,
    Severity,
)
from dampwatch.assessment.priority import OpenAlertView, alert_points, home_priority
from dampwatch_api.alerts.models import Alert
from dampwatch_api.alerts.service import is_overdue

TOP_REASONS = 3

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoardRow:
    """One home on the board."""

    home_id: str
    score: float
    open_alerts: int
    overdue_alerts: int
    next_due_by: datetime | None  # the earliest open statutory deadline
    kinds: list[str]
    top_reasons: list[str]  # the evidence of the highest-scoring alerts, in plain words
    alert_ids: list[int]
    vulnerability_flags: list[str]
    severity: str = Severity.LOW.value  # the worst open alert's
    kind_severity: dict[str, str] = field(default_factory=dict)  # the worst per kind
    unacknowledged: int = 0  # open alerts nobody has acknowledged yet
    assignees: list[str] = field(default_factory=list)
    hazard_since: datetime | None = None  # the earliest onset of an open hazard


RANK_OF_VALUE = {severity.value: rank for severity, rank in SEVERITY_RANK.items()}


class AlertLine(NamedTuple):
    """The columns of an open alert the board ranks by: plain values, no ORM object, no JSON."""

    id: int
    home_id: str
    room: str | None
    kind: str
    severity: str
    status: str
    condition_since: datetime
    due_by: datetime | None = None
    summary_due_by: datetime | None = None
    summary_sent_at: datetime | None = None
    investigated_at: datetime | None = None
    assigned_to: str | None = None
    reason_text: str | None = None  # the evidence's plain-words text


def open_alert_lines(session: Session, home_ids: Collection[str] | None = None) -> list[AlertLine]:
    """Every open alert as an `AlertLine` (of some homes only when `home_ids` is given).

    Ranking reads columns, not mapped objects: at 10,000 homes loading the objects and their
    evidence documents cost most of a re-ranking.
    """
    query = select(
        Alert.id,
        Alert.home_id,
        Alert.room,
        Alert.kind,
        Alert.severity,
        Alert.status,
        Alert.condition_since,
        Alert.due_by,
        Alert.summary_due_by,
        Alert.summary_sent_at,
        Alert.investigated_at,
        Alert.assigned_to,
        Alert.evidence["text"].as_string(),
    ).where(Alert.status != AlertStatus.RESOLVED.value)
    if home_ids is not None:
        query = query.where(Alert.home_id.in_(list(home_ids)))
    return [AlertLine._make(row) for row in session.execute(query)]


def _kind_severity(alerts: list[AlertLine]) -> dict[str, str]:
    """The worst severity of each kind, in one pass (an unknown severity ranks as high)."""
    worst: dict[str, tuple[int, str]] = {}
    for alert in alerts:
        severity = alert.severity
        rank = RANK_OF_VALUE.get(severity)
        if rank is None:
            severity, rank = Severity.HIGH.value, RANK_OF_VALUE[Severity.HIGH.value]
        found = worst.get(alert.kind)
        if found is None or rank > found[0]:
            worst[alert.kind] = (rank, severity)
    return {kind: severity for kind, (_, severity) in worst.items()}


def _hazard_since(alerts: list[AlertLine]) -> datetime | None:
    onsets = [alert.condition_since for alert in alerts if alert.kind in HAZARD_KINDS]
    return min(onsets) if onsets else None


def rank_key(row: BoardRow) -> tuple[Any, ...]:
    """Best first: score, then worst severity, the nearest deadline, more vulnerabilities, the
    longest-lasting hazard, and the home id, so equal scores never tie."""
    far_future = datetime.max.replace(tzinfo=UTC)
    return (
        -row.score,
        -SEVERITY_RANK[Severity(row.severity)],
        row.next_due_by or far_future,
        -len(row.vulnerability_flags),
        row.hazard_since or far_future,
        row.home_id,
    )


def _severity(alert: AlertLine) -> Severity:
    """The stored severity; a value this version does not know ranks as high, never hidden."""
    try:
        return Severity(alert.severity)
    except ValueError:
        log.warning("alert %s has an unknown severity %r; ranked as high", alert.id, alert.severity)
        return Severity.HIGH


def _view(alert: AlertLine, now: datetime) -> OpenAlertView:
    return OpenAlertView(
        kind=AlertKind(alert.kind),
        severity=_severity(alert),
        condition_since=alert.condition_since,
        overdue=is_overdue(alert, now),
    )


def _next_deadline(alerts: list[AlertLine]) -> datetime | None:
    deadlines = [
        alert.summary_due_by if alert.investigated_at is not None else alert.due_by
        for alert in alerts
    ]
    pending = [deadline for deadline in deadlines if deadline is not None]
    return min(pending) if pending else None


def _reason(alert: AlertLine) -> str:
    text = alert.reason_text or alert.kind.replace("_", " ")
    where = f"{alert.room}: " if alert.room else ""
    return f"{where}{text}"


def home_rows(
    alerts: list[AlertLine], vulnerability: Mapping[str, Collection[str]], now: datetime
) -> list[BoardRow]:
    """Board rows of the homes these open alerts belong to, best first."""
    by_home: dict[str, list[AlertLine]] = defaultdict(list)
    for alert in alerts:
        by_home[alert.home_id].append(alert)
    rows: list[BoardRow] = []
    for home_id, home_alerts in by_home.items():
        flags = sorted(set(vulnerability.get(home_id, ())))
        views = {alert.id: _view(alert, now) for alert in home_alerts}
        ranked = sorted(home_alerts, key=lambda a: alert_points(views[a.id], now), reverse=True)
        kinds = _kind_severity(home_alerts)
        rows.append(
            BoardRow(
                home_id=home_id,
                score=home_priority(list(views.values()), flags, now),
                open_alerts=len(home_alerts),
                overdue_alerts=sum(view.overdue for view in views.values()),
                next_due_by=_next_deadline(home_alerts),
                kinds=sorted({alert.kind for alert in home_alerts}),
                top_reasons=[_reason(alert) for alert in ranked[:TOP_REASONS]],
                alert_ids=[alert.id for alert in ranked],
                vulnerability_flags=flags,
                severity=max(kinds.values(), key=RANK_OF_VALUE.__getitem__),
                kind_severity=kinds,
                unacknowledged=sum(alert.status == AlertStatus.OPEN.value for alert in home_alerts),
                assignees=sorted({alert.assigned_to for alert in home_alerts if alert.assigned_to}),
                hazard_since=_hazard_since(home_alerts),
            )
        )
    rows.sort(key=rank_key)
    return rows


def board(
    session: Session,
    *,
    home_ids: Collection[str] | None = None,
    vulnerability: Mapping[str, Collection[str]] | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> list[BoardRow]:
    """Homes with open alerts (of a portfolio when `home_ids` is given), ranked by priority.

    `vulnerability` maps home ids to the registry's vulnerability flags of their occupants.
    """
    moment = now if now is not None else datetime.now(UTC)
    rows = home_rows(open_alert_lines(session, home_ids), vulnerability or {}, moment)
    return rows if limit is None else rows[:limit]
