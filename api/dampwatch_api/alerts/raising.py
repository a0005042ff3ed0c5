"""Raising, refreshing and clearing alerts from the rules' hourly verdicts, with hold-off."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import (
    HAZARD_KINDS,
    SEVERITY_RANK,
    AlertKind,
    AlertStatus,
    Evidence,
    Finding,
    Severity,
    Verdict,
    hazard_level,
)
from dampwatch.assessment.rules import held_since
from dampwatch.statutory import investigation_due_by
from dampwatch_api.alerts.audit import SYSTEM_ACTOR, record_event
from dampwatch_api.alerts.models import Alert, AlertEvent

AlertKey = tuple[str, str, str, str]  # home_id, room, kind, subject
CONDITION_CLEARED_KEY = "condition_cleared_at"  # in the evidence while a cleared case waits


def officer_owned(alert: Alert) -> bool:
    """A hazard case an officer has taken on: acknowledged, assigned or investigated.

    Under Awaab's Law the landlord's duty runs from the moment it is aware of a potential hazard;
    readings getting better do not discharge it. Such a case is closed by an officer (after the
    investigation) and the job only records that the condition cleared. Device alerts and
    untouched hazard alerts still clear on their own.
    """
    return AlertKind(alert.kind) in HAZARD_KINDS and (
        alert.status == AlertStatus.ACKNOWLEDGED.value
        or alert.assigned_to is not None
        or alert.investigated_at is not None
    )


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def find_open(session: Session, key: AlertKey) -> Alert | None:
    """The open (not resolved) alert under `key`, if any."""
    home_id, room, kind, subject = key
    query = select(Alert).where(
        Alert.home_id == home_id,
        Alert.room == room,
        Alert.kind == kind,
        Alert.subject == subject,
        Alert.status != AlertStatus.RESOLVED.value,
    )
    return session.scalars(query).first()


def open_alerts(session: Session, home_ids: Collection[str] | None = None) -> list[Alert]:
    """Every open alert, optionally of some homes only."""
    query = select(Alert).where(Alert.status != AlertStatus.RESOLVED.value)
    if home_ids is not None:
        query = query.where(Alert.home_id.in_(list(home_ids)))
    return list(session.scalars(query))


def raise_or_update(session: Session, finding: Finding, now: datetime | None = None) -> Alert:
    """Open an alert for the finding, or refresh the open one (escalating, never de-escalating)."""
    moment = _now(now)
    alert = find_open(session, finding.key)
    level = hazard_level(finding.kind, finding.severity)
    if alert is None:
        alert = Alert(
            home_id=finding.home_id,
            room=finding.room,
            subject=finding.subject,
            kind=finding.kind.value,
            severity=finding.severity.value,
            status=AlertStatus.OPEN.value,
            opened_at=moment,
            condition_since=finding.condition_since,
            last_seen_at=moment,
            hazard_level=level.value if level else None,
            due_by=investigation_due_by(moment, level) if level else None,
            evidence=finding.evidence.as_json(),
        )
        session.add(alert)
        record_event(
            session,
            alert,
            actor=SYSTEM_ACTOR,
            action="opened",
            now=moment,
            detail={"evidence": finding.evidence.text},
        )
        return alert
    # Unbroken while no clearing began: then the condition dates from the alert's own start.
    unbroken = CONDITION_CLEARED_KEY not in (alert.evidence or {})
    unbroken = unbroken and alert.clear_candidate_since is None
    if CONDITION_CLEARED_KEY in (alert.evidence or {}):
        record_event(
            session,
            alert,
            actor=SYSTEM_ACTOR,
            action="condition_returned",
            now=moment,
            detail={"evidence": finding.evidence.text},
        )
    alert.evidence = finding.evidence.as_json()
    if unbroken and finding.held_before_frame and alert.condition_since < finding.condition_since:
        # The cycle judged only recent hours; the open alert knows the condition is older.
        judged = held_since(finding.condition_since, exact=False)
        known = held_since(alert.condition_since, exact=False)
        alert.evidence["text"] = finding.evidence.text.replace(judged, known)
    alert.last_seen_at = moment
    alert.clear_candidate_since = None
    if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[Severity(alert.severity)]:
        previous = alert.severity
        alert.severity = finding.severity.value
        if level is not None:
            due = investigation_due_by(moment, level)
            alert.due_by = min(alert.due_by, due) if alert.due_by else due
            alert.hazard_level = level.value
        detail = {"from": previous, "to": alert.severity, "evidence": finding.evidence.text}
        record_event(
            session, alert, actor=SYSTEM_ACTOR, action="escalated", now=moment, detail=detail
        )
    session.flush()
    return alert


def apply_verdict(
    session: Session,
    key: AlertKey,
    verdict: Verdict,
    at: datetime,
    hold_off: timedelta,
    *,
    finding: Finding | None = None,
    now: datetime | None = None,
) -> Alert | None:
    """Act on one hour's verdict; returns the alert touched, if any.

    RAISE opens or refreshes (needs `finding`). CLEAR starts the hold-off or, once the clear
    condition has held for `hold_off` of data time `at`, resolves the alert. HOLD (between the
    clear and raise thresholds) restarts the hold-off, so a condition hovering near its
    threshold never flaps.
    """
    moment = _now(now)
    if verdict is Verdict.RAISE:
        if finding is None or finding.key != key:
            raise ValueError("a raise verdict needs the finding for the same key")
        return raise_or_update(session, finding, moment)
    alert = find_open(session, key)
    if alert is None:
        return None
    if verdict is Verdict.HOLD:
        alert.clear_candidate_since = None
        return alert
    if alert.clear_candidate_since is None:
        alert.clear_candidate_since = at
        return alert
    if at - alert.clear_candidate_since < hold_off:
        return alert
    hours = int(hold_off.total_seconds() // 3600)
    since = f"{alert.clear_candidate_since:%Y-%m-%d %H:%M} UTC"
    reason = f"condition gone for {hours} hours (below the clear threshold since {since})"
    if officer_owned(alert):
        if CONDITION_CLEARED_KEY not in (alert.evidence or {}):
            alert.evidence = {**(alert.evidence or {}), CONDITION_CLEARED_KEY: at.isoformat()}
            detail = {"reason": reason, "note": "left open for the officer to resolve"}
            record_event(
                session,
                alert,
                actor=SYSTEM_ACTOR,
                action="condition_cleared",
                now=moment,
                detail=detail,
            )
        return alert
    alert.status = AlertStatus.RESOLVED.value
    alert.resolved_at, alert.resolved_by, alert.resolution = moment, SYSTEM_ACTOR, reason
    record_event(
        session, alert, actor=SYSTEM_ACTOR, action="cleared", now=moment, detail={"reason": reason}
    )
    return alert


def evidence_of(alert: Alert) -> Evidence:
    """The stored evidence as the core type."""
    data = alert.evidence or {}
    return Evidence(
        text=str(data.get("text", "")),
        window_hours=int(data.get("window_hours", 0)),
        threshold=str(data.get("threshold", "")),
        observed={str(k): float(v) for k, v in dict(data.get("observed", {})).items()},
    )


def kind_of(alert: Alert) -> AlertKind:
    """The alert's kind as the core enum."""
    return AlertKind(alert.kind)


def unexported_events(
    session: Session, limit: int = 5000, home_ids: Collection[str] | None = None
) -> Sequence[AlertEvent]:
    """Lifecycle changes not yet written to InfluxDB, oldest first (of some homes only)."""
    query = select(AlertEvent).where(AlertEvent.exported.is_(False)).order_by(AlertEvent.id)
    if home_ids is not None:
        query = query.join(Alert, Alert.id == AlertEvent.alert_id).where(
            Alert.home_id.in_(home_ids)
        )
    return list(session.scalars(query.limit(limit)))
