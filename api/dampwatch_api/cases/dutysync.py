"""Keeping a case's stored duties in step with the pure model, and telling subscribers once.

Whenever a case changes (a flag joins, a step is recorded) and whenever a stored deadline has
passed, the duties are computed again. A duty whose clock starts, or whose deadline moves,
raises `case.step_due`; one that passes its deadline undone raises `case.overdue` once and
escalates the case to the named role, with an `escalated` step in its record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.casework.duties import Duty, DutyStatus
from dampwatch.casework.letter import uk_deadline
from dampwatch_api.cases.events import SYSTEM_ACTOR, duties_of, duty_data, emit_case_event
from dampwatch_api.cases.models import Case, CaseDuty
from dampwatch_api.cases.record import append_step

OPEN = (DutyStatus.DUE.value, DutyStatus.OVERDUE.value)


def lock_case(session: Session, case_id: int) -> Case | None:
    """The case, locked for this transaction (PostgreSQL) and read afresh."""
    query = (
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).first()


def _stamp(duty: Duty) -> int:
    return int(duty.due_by.timestamp()) if duty.due_by is not None else 0


def _escalate(session: Session, case: Case, duty: Duty, now: datetime, role: str) -> None:
    if case.escalated_to is None:
        case.escalated_at = now
    case.escalated_to = role
    due = uk_deadline(duty.due_by) if duty.due_by else ""
    append_step(
        session,
        case,
        kind="escalated",
        at=now,
        recorded_by=SYSTEM_ACTOR,
        now=now,
        duty=duty.kind.value,
        reason="overdue",
        text=f"{duty.title} was due {due} and is not done: escalated to {role}.",
        detail={"role": role, "due_by": duty.due_by.isoformat() if duty.due_by else None},
    )


def _notify(
    session: Session, case: Case, duty: Duty, row: CaseDuty, was: tuple[str | None, datetime | None]
) -> bool:
    """Emit what changed for one duty; True when it has just become overdue."""
    status, due_by = was
    now_open = duty.status.value in OPEN
    if now_open and (status not in OPEN or due_by != duty.due_by):
        emit_case_event(
            session,
            case,
            "case.step_due",
            source_key=f"case:{case.id}:due:{duty.kind.value}:{_stamp(duty)}",
            subject=f"duties/{duty.kind.value}",
            now=row.updated_at,
            data={"duty": duty_data(duty)},
        )
    if duty.status is DutyStatus.OVERDUE and (row.overdue_since is None or due_by != duty.due_by):
        row.overdue_since = row.updated_at
        emit_case_event(
            session,
            case,
            "case.overdue",
            source_key=f"case:{case.id}:overdue:{duty.kind.value}:{_stamp(duty)}",
            subject=f"duties/{duty.kind.value}",
            now=row.updated_at,
            data={"duty": duty_data(duty)},
        )
        return True
    return False


def sync_duties(session: Session, case: Case, now: datetime, escalation_role: str) -> None:
    """Store the case's duties as of `now`, emitting due, overdue and escalation events."""
    duties = duties_of(case, now)
    stored = {
        row.duty: row
        for row in session.scalars(
            select(CaseDuty)
            .where(CaseDuty.case_id == case.id)
            .execution_options(populate_existing=True)
        )
    }
    current = {duty.kind.value for duty in duties}
    for name, row in stored.items():
        if name not in current:
            session.delete(row)
    late: list[Duty] = []
    for duty in duties:
        found = stored.get(duty.kind.value)
        row = found if found is not None else CaseDuty(case_id=case.id, duty=duty.kind.value)
        if found is None:
            session.add(row)
        was = (row.status, row.due_by) if found is not None else (None, None)
        row.status, row.due_by, row.done_at = duty.status.value, duty.due_by, duty.done_at
        row.updated_at = now
        if was[1] != duty.due_by:
            row.overdue_since = None
        if _notify(session, case, duty, row, was):
            late.append(duty)
    session.flush()
    for duty in late:
        _escalate(session, case, duty, now, escalation_role)
