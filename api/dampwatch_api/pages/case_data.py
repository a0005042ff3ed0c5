"""A home's statutory cases as the case page shows them: duties, record, and the steps that fit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dampwatch.casework.duties import Cause, DutyKind, Outcome
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.cases.routes import step_out
from dampwatch_api.cases.schemas import CaseOut, StepOut
from dampwatch_api.cases.steps import EndeavourReason, StepKind, SummaryMethod, TenantResponse
from dampwatch_api.cases.views import case_out

CLOSED_SHOWN_FOR: Final = timedelta(days=90)  # closed cases stay on the page this long
OPEN_DUTY: Final = frozenset({"due", "overdue"})

STEP_TITLES: Final = {
    StepKind.INVESTIGATION: "Investigation done",
    StepKind.SUMMARY_SENT: "Written summary sent to the tenant",
    StepKind.MADE_SAFE: "Home made safe",
    StepKind.CANNOT_MAKE_SAFE: "Home cannot be made safe",
    StepKind.ACCOMMODATION_OFFERED: "Somewhere else to stay offered",
    StepKind.PREVENTATIVE_STEPS: "Steps taken to stop it coming back",
    StepKind.PREVENTATIVE_STARTED: "Repair work started",
    StepKind.WORK_COMPLETED: "Repair work completed",
    StepKind.REASONABLE_ENDEAVOURS: "Deadline could not be met (reasonable endeavours)",
    StepKind.NOTE: "Note",
    StepKind.ASSIGNED: "Assigned",
    StepKind.CLOSED: "Case closed",
}
WORDS: Final = {
    "outcome": {
        Outcome.EMERGENCY: "Emergency hazard (make safe within 24 hours)",
        Outcome.SIGNIFICANT: "Significant hazard",
        Outcome.NO_HAZARD: "No hazard found",
    },
    "cause": {
        Cause.BUILDING: "The building (leak, rising or penetrating damp, cold walls)",
        Cause.VENTILATION: "Ventilation (fans or vents missing, broken or too weak)",
        Cause.HEATING: "Heating (broken, or cannot keep the home warm)",
        Cause.USE: "Moisture from everyday living, beyond what the home can clear",
        Cause.MIXED: "More than one of these",
        Cause.UNDETERMINED: "Not determined yet",
    },
    "method": {
        SummaryMethod.LETTER: "Letter",
        SummaryMethod.EMAIL: "Email",
        SummaryMethod.PORTAL: "Tenant's page",
        SummaryMethod.IN_PERSON: "In person",
    },
    "tenant_response": {
        TenantResponse.ACCEPTED: "Accepted",
        TenantResponse.DECLINED: "Declined",
        TenantResponse.PENDING: "Not answered yet",
    },
    "reason": {
        EndeavourReason.ACCESS_REFUSED: "Tenant refused access",
        EndeavourReason.NO_ANSWER: "No answer at the door or by phone",
        EndeavourReason.TENANT_UNAVAILABLE: "Tenant not available",
        EndeavourReason.SPECIALIST_NEEDED: "A specialist is needed",
        EndeavourReason.MATERIALS_UNAVAILABLE: "Materials not available",
        EndeavourReason.CONSENT_NEEDED: "Someone else's consent is needed",
        EndeavourReason.OTHER: "Another reason (say which)",
    },
}


@dataclass(frozen=True)
class CasePanel:
    """One case on the page: as the API shows it, its record, and the steps offered now."""

    case: CaseOut
    record: list[StepOut]
    offered: list[StepKind]
    open_duties: list[tuple[str, str]]  # (duty, title) a reasonable endeavours record may name


def offered_steps(case: CaseOut) -> list[StepKind]:
    """The steps that fit the case as it stands, the statutory next ones first."""
    if case.status != "open":
        return []
    duties = {duty.duty: duty.status for duty in case.duties}
    offered: list[StepKind] = []
    if case.investigation is None:
        offered.append(StepKind.INVESTIGATION)
    elif case.summary_sent_at is None:
        offered.append(StepKind.SUMMARY_SENT)
    if duties.get(DutyKind.MAKE_SAFE.value) in OPEN_DUTY:
        offered += [StepKind.MADE_SAFE, StepKind.CANNOT_MAKE_SAFE]
    if case.cannot_make_safe_at is not None and case.accommodation_offered_at is None:
        offered.append(StepKind.ACCOMMODATION_OFFERED)
    if case.investigation is not None and case.investigation.further_work:
        if case.preventative_steps_at is None:
            offered.append(StepKind.PREVENTATIVE_STEPS)
        if case.preventative_started_at is None:
            offered.append(StepKind.PREVENTATIVE_STARTED)
        elif case.work_completed_at is None:
            offered.append(StepKind.WORK_COMPLETED)
    return [*offered, StepKind.REASONABLE_ENDEAVOURS, StepKind.NOTE, StepKind.CLOSED]


def case_panels(session: Session, home_id: str, now: datetime) -> list[CasePanel]:
    """The home's open cases and those closed lately, open first, newest first."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.home_id == home_id,
            or_(Case.status == "open", Case.closed_at >= now - CLOSED_SHOWN_FOR),
        )
        .order_by(Case.status.desc(), Case.opened_at.desc())
    )
    panels: list[CasePanel] = []
    for case in cases:
        shown = case_out(session, case, now)
        record = session.scalars(
            select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.seq.desc())
        )
        panels.append(
            CasePanel(
                shown,
                [step_out(step) for step in record],
                offered_steps(shown),
                [(d.duty, d.title) for d in shown.duties if d.status in OPEN_DUTY],
            )
        )
    return panels
