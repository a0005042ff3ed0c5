"""Alerts into cases (one visit, not seven), and alert changes out to subscribers.

The casework worker runs both on every pass. `place_open_alerts` puts each open hazard alert not
yet on a case onto its home's case, or opens one (`dampwatch.casework.scope`); the case's clock
starts when the landlord became aware, which is when the alert reached its level, not when the
worker saw it. `relay_alert_events` sends each alert's audit event (raised, escalated, cleared)
to the outbox once: the `alert_events` table, written in the alert change's own transaction, is
the alerts' outbox, and `relayed` flips in the same transaction as the event is added.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import HAZARD_KINDS, AlertKind, AlertStatus, Severity
from dampwatch.casework.scope import Clock, OpenCase, Placement, clock_level, place_flag
from dampwatch.statutory import HazardLevel
from dampwatch_api.alerts.models import Alert, AlertEvent
from dampwatch_api.cases.events import emit_case_event
from dampwatch_api.cases.models import Case, CaseAlert
from dampwatch_api.webhooks.outbox import emit, next_key_sequence, rfc3339

BATCH: Final = 500
ALERT_EVENTS: Final = {
    "opened": "alert.raised",
    "escalated": "alert.escalated",
    "cleared": "alert.cleared",
    "resolved": "alert.cleared",
}


def alert_flags(alert: Alert, phase2_from: date | None) -> list[tuple[datetime, HazardLevel]]:
    """When the alert reached each statutory level: at opening, then at each escalation."""
    escalations = [event for event in alert.events if event.action == "escalated"]
    first = str(escalations[0].detail.get("from")) if escalations else alert.severity
    kind = AlertKind(alert.kind)
    steps = [(first, alert.opened_at)] + [(str(e.detail.get("to")), e.at) for e in escalations]
    flags = []
    for severity, at in steps:
        try:
            level = clock_level(kind, Severity(severity), at, phase2_from)
        except ValueError:
            continue  # a severity this version does not know starts no clock
        if level is not None:
            flags.append((at, level))
    return flags


def clock_of(alerts: list[Alert], phase2_from: date | None) -> Clock:
    """The clock of a case waiting for its investigation: the fastest its alerts call for."""
    clock = Clock()
    for at, level in sorted(flag for alert in alerts for flag in alert_flags(alert, phase2_from)):
        clock = clock.with_flag(level, at)
    return clock


def set_clock(case: Case, clock: Clock) -> None:
    """Write a clock onto a case."""
    case.level = clock.level.value if clock.level is not None else None
    case.aware_at, case.emergency_aware_at = clock.aware_at, clock.emergency_aware_at


def case_alerts(session: Session, case: Case) -> list[Alert]:
    """The alerts on a case."""
    query = select(Alert).join(CaseAlert, CaseAlert.alert_id == Alert.id)
    return list(session.scalars(query.where(CaseAlert.case_id == case.id).order_by(Alert.id)))


def _open_cases(session: Session, home_id: str) -> list[tuple[Case, OpenCase]]:
    cases = session.scalars(
        select(Case).where(Case.home_id == home_id, Case.status == "open").order_by(Case.id)
    )
    return [
        (
            case,
            OpenCase(
                case.id,
                case.investigated_at is not None,
                frozenset((link.room, link.kind) for link in case.links),
            ),
        )
        for case in cases
    ]


def _unplaced(session: Session) -> list[Alert]:
    placed = select(CaseAlert.alert_id)
    query = (
        select(Alert)
        .where(
            Alert.status != AlertStatus.RESOLVED.value,
            Alert.kind.in_(sorted(kind.value for kind in HAZARD_KINDS)),
            Alert.id.not_in(placed),
        )
        .order_by(Alert.id)
        .limit(BATCH)
    )
    return list(session.scalars(query))


def _severity(alert: Alert) -> Severity:
    """The stored severity; one this version does not know counts as high, never as nothing."""
    try:
        return Severity(alert.severity)
    except ValueError:
        return Severity.HIGH


def place_open_alerts(session: Session, now: datetime, phase2_from: date | None) -> set[int]:
    """Put open hazard alerts onto cases; the ids of the cases touched."""
    touched: set[int] = set()
    for alert in _unplaced(session):
        cases = _open_cases(session, alert.home_id)
        clock = clock_of([alert], phase2_from)
        placement, case_id = place_flag(
            [view for _, view in cases],
            alert.room,
            AlertKind(alert.kind),
            _severity(alert),
            clock.level,
        )
        if placement is Placement.NONE:
            continue
        if placement is Placement.NEW:
            case = Case(home_id=alert.home_id, status="open", opened_at=now, updated_at=now)
            set_clock(case, clock)
            session.add(case)
            session.flush()
            emit_case_event(
                session,
                case,
                "case.opened",
                source_key=f"case:{case.id}:opened",
                subject=f"cases/{case.id}",
                now=now,
            )
        else:
            case = next(found for found, view in cases if view.case_id == case_id)
        session.add(
            CaseAlert(case=case, alert_id=alert.id, room=alert.room, kind=alert.kind, added_at=now)
        )
        session.flush()
        touched.add(case.id)
    return touched


def alert_data(alert: Alert) -> dict[str, Any]:
    """An alert as its events show it."""
    return {
        "id": alert.id,
        "home_id": alert.home_id,
        "room": alert.room or None,
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "opened_at": rfc3339(alert.opened_at),
        "evidence": str((alert.evidence or {}).get("text", "")),
    }


def _change(event: AlertEvent) -> dict[str, Any]:
    detail = {k: v for k, v in (event.detail or {}).items() if k in ("from", "to", "reason")}
    return {"action": event.action, "at": rfc3339(event.at), "actor": event.actor, **detail}


def relay_alert_events(session: Session) -> set[int]:
    """Send each unrelayed alert event to the outbox once; the ids of cases whose clock moved."""
    events = session.scalars(
        select(AlertEvent)
        .where(AlertEvent.relayed.is_(False))
        .order_by(AlertEvent.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    moved: set[int] = set()
    for event in events:
        event.relayed = True
        name = ALERT_EVENTS.get(event.action)
        if name is None:
            continue  # officers' own steps (acknowledged, noted, ...) are not subscriber events
        alert = event.alert
        data = {"alert": alert_data(alert), "change": _change(event)}
        link = session.scalar(select(CaseAlert).where(CaseAlert.alert_id == alert.id))
        if link is not None:
            emit_case_event(
                session,
                link.case,
                name,
                source_key=f"alert_event:{event.id}",
                subject=f"alerts/{alert.id}",
                now=event.at,
                data=data,
            )
            if event.action == "escalated":
                moved.add(link.case_id)
            continue
        key = f"alert:{alert.id}"
        emit(
            session,
            name=name,
            source_key=f"alert_event:{event.id}",
            source=f"/v1/alerts/{alert.id}",
            subject=f"alerts/{alert.id}",
            ordering_key=key,
            sequence=next_key_sequence(session, key),
            occurred_at=event.at,
            data=data,
            home_id=alert.home_id,
        )
    session.flush()
    return moved
