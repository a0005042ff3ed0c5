"""Cases as the API shows them, and the filtered, scoped list of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from dampwatch.casework.duties import RULES, Duty, next_duty
from dampwatch.casework.letter import Letter
from dampwatch_api.cases.events import duties_of
from dampwatch_api.cases.grouping import case_alerts
from dampwatch_api.cases.models import Case, CaseDuty, CaseStep
from dampwatch_api.cases.schemas import (
    CaseAlertOut,
    CaseOut,
    CaseSummaryOut,
    DutyOut,
    InvestigationOut,
    LetterOut,
    SectionOut,
)

MAX_PAGE = 500


@dataclass(frozen=True)
class CaseFilter:
    """Which cases to list; None means any."""

    home_ids: Collection[str] | None = None  # the caller's scope (None: every home)
    status: str | None = None
    home_id: str | None = None
    level: str | None = None
    assigned_to: str | None = None
    overdue: bool | None = None


def duty_out(duty: Duty, endeavours: Counter[str]) -> DutyOut:
    """The response form of a duty."""
    return DutyOut(
        duty=duty.kind.value,
        title=duty.title,
        requirement=RULES[duty.kind].requirement,
        status=duty.status.value,
        due_by=duty.due_by,
        done_at=duty.done_at,
        starts=duty.starts or None,
        endeavours=endeavours[duty.kind.value],
    )


def summary_out(
    case: Case, now: datetime, endeavours: Counter[str] | None = None
) -> CaseSummaryOut:
    """A case as a list shows it."""
    duties = duties_of(case, now)
    upcoming = next_duty(duties)
    counts = endeavours or Counter()
    return CaseSummaryOut(
        id=case.id,
        reference=case.reference,
        home_id=case.home_id,
        status=case.status,
        level=case.level,
        opened_at=case.opened_at,
        aware_at=case.aware_at,
        assigned_to=case.assigned_to,
        escalated_to=case.escalated_to,
        next_duty=duty_out(upcoming, counts) if upcoming is not None else None,
        overdue=any(duty.status.value == "overdue" for duty in duties),
    )


def case_out(session: Session, case: Case, now: datetime) -> CaseOut:
    """A case with its duties, alerts and the size of its record."""
    steps = list(session.scalars(select(CaseStep).where(CaseStep.case_id == case.id)))
    endeavours = Counter(s.duty for s in steps if s.kind == "reasonable_endeavours" and s.duty)
    base = summary_out(case, now, endeavours)
    investigation = (
        InvestigationOut(
            at=case.investigated_at,
            by=case.investigated_by,
            outcome=case.outcome,
            cause=case.cause,
            further_work=case.further_work,
        )
        if case.investigated_at is not None
        else None
    )
    path = f"/v1/cases/{case.id}"
    return CaseOut(
        **base.model_dump(),
        emergency_aware_at=case.emergency_aware_at,
        escalated_at=case.escalated_at,
        investigation=investigation,
        summary_sent_at=case.summary_sent_at,
        made_safe_at=case.made_safe_at,
        cannot_make_safe_at=case.cannot_make_safe_at,
        accommodation_offered_at=case.accommodation_offered_at,
        preventative_steps_at=case.preventative_steps_at,
        preventative_started_at=case.preventative_started_at,
        work_completed_at=case.work_completed_at,
        closed_at=case.closed_at,
        closed_by=case.closed_by,
        close_reason=case.close_reason,
        duties=[duty_out(duty, endeavours) for duty in duties_of(case, now)],
        alerts=[
            CaseAlertOut(
                id=alert.id,
                room=alert.room or None,
                kind=alert.kind,
                severity=alert.severity,
                status=alert.status,
                opened_at=alert.opened_at,
                evidence=str((alert.evidence or {}).get("text", "")),
            )
            for alert in case_alerts(session, case)
        ],
        steps=len(steps),
        links={
            "steps": f"{path}/steps",
            "summary": f"{path}/summary",
            "summary_pdf": f"{path}/summary.pdf",
            "hact": f"{path}/hact",
        },
    )


def _filtered(query: Select[Any], filters: CaseFilter, now: datetime) -> Select[Any]:
    if filters.home_ids is not None:
        query = query.where(Case.home_id.in_(list(filters.home_ids)))
    for column, value in (
        (Case.status, filters.status),
        (Case.home_id, filters.home_id),
        (Case.level, filters.level),
        (Case.assigned_to, filters.assigned_to),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.overdue is not None:
        late = exists().where(
            and_(
                CaseDuty.case_id == Case.id,
                CaseDuty.status.in_(("due", "overdue")),
                CaseDuty.due_by < now,
            )
        )
        query = query.where(late if filters.overdue else ~late)
    return query


def list_cases(
    session: Session, filters: CaseFilter, offset: int, limit: int, now: datetime
) -> tuple[list[Case], int]:
    """One page of matching cases, newest first, and how many match in all."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"page needs offset ≥ 0 and 1 ≤ limit ≤ {MAX_PAGE}")
    total = session.scalar(_filtered(select(func.count(Case.id)), filters, now)) or 0
    query = _filtered(select(Case), filters, now).order_by(Case.opened_at.desc(), Case.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit))), total


def letter_out(
    case: Case, letter: Letter, *, draft: bool, issued_at: datetime | None, pdf: str
) -> LetterOut:
    """The response form of a written summary."""
    return LetterOut(
        case_id=case.id,
        reference=letter.reference,
        draft=draft,
        issued_at=issued_at,
        title=letter.title,
        address=letter.address,
        issued_on=letter.issued_on,
        sections=[
            SectionOut(heading=s.heading, paragraphs=list(s.paragraphs), items=list(s.items))
            for s in letter.sections
        ],
        pdf=pdf,
    )
