"""Alert lifecycle, one-open-alert constraint, hold-off, statutory clock and audit trail,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity, Verdict
from dampwatch_api.alerts import service
from dampwatch_api.alerts.board import board
from dampwatch_api.alerts.models import Alert

MONDAY = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
HOLD_OFF = timedelta(hours=72)


def finding(
    kind: AlertKind = AlertKind.MOULD_RISK,
    severity: Severity = Severity.HIGH,
    home: str = "home-1",
    room: str = "bedroom-1",
    text: str = "wall damp for days",
) -> Finding:
    return Finding(home, room, kind, severity, Evidence(text, 168, "t"), MONDAY - timedelta(days=2))


def test_raise_opens_once_and_reraising_updates_the_evidence(session: Session) -> None:
    first = service.raise_or_update(session, finding(text="first"), MONDAY)
    again = service.raise_or_update(session, finding(text="second"), MONDAY + timedelta(hours=1))
    session.commit()
    assert again.id == first.id
    assert again.evidence["text"] == "second"
    assert again.status == "open"
    # Significant damp/mould hazard: 10 working days, end of the UK day.
    assert again.due_by == datetime(2025, 11, 17, 23, 59, 59, 999_999, tzinfo=UTC)
    assert [e.action for e in service.alert_events(session, first.id)] == ["opened"]
    page = service.list_alerts(session, service.AlertFilter(status=["open"]), service.Page())
    assert page.total == 1


def test_the_database_refuses_a_second_open_alert_for_the_same_key(session: Session) -> None:
    service.raise_or_update(session, finding(), MONDAY)
    session.commit()
    session.add(
        Alert(
            home_id="home-1",
            room="bedroom-1",
            subject="",
            kind="mould_risk",
            severity="high",
            status="acknowledged",
            condition_since=MONDAY,
            last_seen_at=MONDAY,
            evidence={},
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    # A resolved alert does not block a new one.
    alert = service.find_open(session, ("home-1", "bedroom-1", "mould_risk", ""))
    assert alert is not None
    service.resolve(session, alert.id, "officer-a", "wall treated", MONDAY)
    reopened = service.raise_or_update(session, finding(), MONDAY + timedelta(days=1))
    session.commit()
    assert reopened.id != alert.id


def test_lifecycle_with_who_and_when_in_the_audit_trail(session: Session) -> None:
    alert = service.raise_or_update(session, finding(), MONDAY)
    service.acknowledge(session, alert.id, "officer-a", MONDAY + timedelta(hours=2))
    service.assign(session, alert.id, "surveyor-b", "officer-a", MONDAY + timedelta(hours=3))
    service.add_note(session, alert.id, "Tenant reports black spots", "officer-a", MONDAY)
    service.record_investigation(session, alert.id, "surveyor-b", MONDAY + timedelta(days=3))
    service.record_summary_sent(session, alert.id, "officer-a", MONDAY + timedelta(days=4))
    service.resolve(
        session, alert.id, "officer-a", "extract fan fitted", MONDAY + timedelta(days=9)
    )
    session.commit()
    loaded = service.get_alert(session, alert.id)
    assert loaded.status == "resolved"
    assert loaded.acknowledged_by == "officer-a"
    assert loaded.assigned_to == "surveyor-b"
    assert loaded.resolved_by == "officer-a"
    # Summary: 3 working days after Thursday 6 Nov → Tuesday 11 Nov.
    assert loaded.summary_due_by is not None
    assert loaded.summary_due_by.date().isoformat() == "2025-11-11"
    events = service.alert_events(session, alert.id)
    assert [(e.action, e.actor) for e in events] == [
        ("opened", service.SYSTEM_ACTOR),
        ("acknowledged", "officer-a"),
        ("assigned", "officer-a"),
        ("note", "officer-a"),
        ("investigated", "surveyor-b"),
        ("summary_sent", "officer-a"),
        ("resolved", "officer-a"),
    ]
    assert events[2].detail == {"from": None, "to": "surveyor-b"}
    with pytest.raises(service.AlertTransitionError):
        service.acknowledge(session, alert.id, "officer-a")
    with pytest.raises(service.AlertNotFound):
        service.get_alert(session, 999_999)
    with pytest.raises(ValueError, match="reason"):
        service.resolve(session, alert.id, "officer-a", "  ")


def test_clearing_needs_the_hold_off_and_a_hold_restarts_it(session: Session) -> None:
    key = ("home-1", "bedroom-1", "mould_risk", "")
    service.raise_or_update(session, finding(), MONDAY)
    t = MONDAY
    service.apply_verdict(session, key, Verdict.CLEAR, t, HOLD_OFF)
    service.apply_verdict(session, key, Verdict.CLEAR, t + timedelta(hours=71), HOLD_OFF)
    assert service.find_open(session, key) is not None
    # Between the thresholds: the hold-off starts again.
    service.apply_verdict(session, key, Verdict.HOLD, t + timedelta(hours=72), HOLD_OFF)
    service.apply_verdict(session, key, Verdict.CLEAR, t + timedelta(hours=73), HOLD_OFF)
    service.apply_verdict(session, key, Verdict.CLEAR, t + timedelta(hours=144), HOLD_OFF)
    assert service.find_open(session, key) is not None
    cleared = service.apply_verdict(session, key, Verdict.CLEAR, t + timedelta(hours=145), HOLD_OFF)
    session.commit()
    assert cleared is not None
    assert cleared.status == "resolved"
    assert cleared.resolved_by == service.SYSTEM_ACTOR
    assert [e.action for e in service.alert_events(session, cleared.id)] == ["opened", "cleared"]


def test_an_officer_owned_case_is_never_resolved_by_the_job(session: Session) -> None:
    key = ("home-1", "bedroom-1", "mould_risk", "")
    alert = service.raise_or_update(session, finding(), MONDAY)
    service.acknowledge(session, alert.id, "officer-a", MONDAY + timedelta(hours=1))
    for hours in (2, 80, 90):
        service.apply_verdict(
            session, key, Verdict.CLEAR, MONDAY + timedelta(hours=hours), HOLD_OFF
        )
    session.commit()
    assert alert.status == "acknowledged" and alert.resolved_at is None
    assert "condition_cleared_at" in alert.evidence
    actions = [e.action for e in service.alert_events(session, alert.id)]
    # Recorded once, however many clear hours follow; the officer resolves the case.
    assert actions == ["opened", "acknowledged", "condition_cleared"]
    back = service.raise_or_update(session, finding(text="damp again"), MONDAY + timedelta(days=5))
    assert back.id == alert.id and "condition_cleared_at" not in back.evidence
    service.resolve(session, alert.id, "officer-a", "repaired", MONDAY + timedelta(days=6))
    session.commit()
    actions = [e.action for e in service.alert_events(session, alert.id)]
    assert actions[-2:] == ["condition_returned", "resolved"]


def test_an_assigned_case_waits_for_the_officer_but_a_device_alert_clears(
    session: Session,
) -> None:
    hazard = service.raise_or_update(session, finding(), MONDAY)
    service.assign(session, hazard.id, "officer-b", "lead", MONDAY)
    device = service.raise_or_update(
        session, finding(kind=AlertKind.DEVICE_OFFLINE, severity=Severity.LOW), MONDAY
    )
    service.assign(session, device.id, "installer", "lead", MONDAY)
    for alert in (hazard, device):
        key = (alert.home_id, alert.room, alert.kind, alert.subject)
        for hours in (1, 80):
            service.apply_verdict(
                session, key, Verdict.CLEAR, MONDAY + timedelta(hours=hours), HOLD_OFF
            )
    session.commit()
    assert hazard.status == "open" and device.status == "resolved"


def test_escalation_to_emergency_shortens_the_clock(session: Session) -> None:
    alert = service.raise_or_update(session, finding(), MONDAY)
    later = MONDAY + timedelta(days=1)
    service.raise_or_update(session, finding(severity=Severity.EMERGENCY), later)
    service.raise_or_update(session, finding(severity=Severity.HIGH), later)  # never de-escalates
    session.commit()
    assert alert.severity == "emergency"
    assert alert.due_by == later + timedelta(hours=24)
    assert [e.action for e in service.alert_events(session, alert.id)] == ["opened", "escalated"]


def test_overdue_filter_and_the_ranked_board(session: Session) -> None:
    service.raise_or_update(session, finding(home="home-a"), MONDAY)
    service.raise_or_update(
        session,
        finding(kind=AlertKind.DEVICE_OFFLINE, severity=Severity.MEDIUM, home="home-b"),
        MONDAY,
    )
    service.raise_or_update(session, finding(home="home-c", text="cold wall"), MONDAY)
    session.commit()
    late = MONDAY + timedelta(days=20)
    overdue = service.list_alerts(
        session, service.AlertFilter(overdue=True), service.Page(), now=late
    )
    assert {a.home_id for a in overdue.items} == {"home-a", "home-c"}  # device alerts have no clock
    rows = board(session, vulnerability={"home-c": ["child_under_5"]}, now=late)
    assert [row.home_id for row in rows] == ["home-c", "home-a", "home-b"]
    assert rows[0].overdue_alerts == 1
    assert rows[0].top_reasons == ["bedroom-1: cold wall"]
    portfolio = board(session, home_ids=["home-b"], now=late)
    assert [row.home_id for row in portfolio] == ["home-b"]
