"""A case's webhook events: numbered in order, carrying the case's state, written to the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import update
from sqlalchemy.orm import Session

from dampwatch.casework.duties import CaseFacts, Duty, Outcome, case_duties, next_duty
from dampwatch.statutory import HazardLevel
from dampwatch_api.cases.models import Case
from dampwatch_api.webhooks.outbox import emit, rfc3339

SYSTEM_ACTOR: Final = "dampwatch-casework"


def facts_of(case: Case) -> CaseFacts | None:
    """The case's dated facts for the pure duty model, or None when no statutory clock runs."""
    if case.level is None or case.aware_at is None:
        return None
    return CaseFacts(
        level=HazardLevel(case.level),
        aware_at=case.aware_at,
        emergency_aware_at=case.emergency_aware_at,
        investigated_at=case.investigated_at,
        outcome=Outcome(case.outcome) if case.outcome else None,
        further_work=case.further_work,
        summary_sent_at=case.summary_sent_at,
        made_safe_at=case.made_safe_at,
        cannot_make_safe_at=case.cannot_make_safe_at,
        accommodation_offered_at=case.accommodation_offered_at,
        preventative_steps_at=case.preventative_steps_at,
        preventative_started_at=case.preventative_started_at,
        closed_at=case.closed_at,
    )


def duties_of(case: Case, now: datetime) -> list[Duty]:
    """The case's duties at `now` (none without a statutory clock)."""
    facts = facts_of(case)
    return case_duties(facts, now) if facts is not None else []


def duty_data(duty: Duty) -> dict[str, Any]:
    """A duty as events and the API show it."""
    return {
        "duty": duty.kind.value,
        "title": duty.title,
        "status": duty.status.value,
        "due_by": rfc3339(duty.due_by) if duty.due_by else None,
        "done_at": rfc3339(duty.done_at) if duty.done_at else None,
    }


def case_brief(case: Case, now: datetime) -> dict[str, Any]:
    """What every case event says about the case."""
    upcoming = next_duty(duties_of(case, now))
    return {
        "id": case.id,
        "reference": case.reference,
        "home_id": case.home_id,
        "status": case.status,
        "level": case.level,
        "aware_at": rfc3339(case.aware_at) if case.aware_at else None,
        "escalated_to": case.escalated_to,
        "next_duty": duty_data(upcoming) if upcoming is not None else None,
    }


def next_case_sequence(session: Session, case: Case) -> int:
    """The case's next event number; the row lock serialises concurrent writers."""
    result = session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(event_seq=Case.event_seq + 1)
        .returning(Case.event_seq)
    )
    return int(result.scalar_one())


def emit_case_event(
    session: Session,
    case: Case,
    name: str,
    *,
    source_key: str,
    subject: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Add one of the case's events to the outbox, after its earlier ones."""
    emit(
        session,
        name=name,
        source_key=source_key,
        source=f"/v1/cases/{case.id}",
        subject=subject,
        ordering_key=f"case:{case.id}",
        sequence=next_case_sequence(session, case),
        occurred_at=now,
        data={"case": case_brief(case, now), **(data or {})},
        home_id=case.home_id,
    )
