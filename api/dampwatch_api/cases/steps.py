"""Recording what was done on a case: who, when, with what evidence, and what it changes.

Each kind of step checks it makes sense at this point of the case (no summary before the
investigation, no second investigation), sets the fact the duties are computed from, and goes
into the case's record with its webhook event; the duties are then brought up to date. A
"reasonable endeavours" step records why a deadline could not be met (access refused, a
specialist needed): it pauses nothing, and is kept beside the duty it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy.orm import Session

from dampwatch.casework.duties import Cause, DutyKind, Outcome, make_safe_deadline
from dampwatch_api.alerts import service as alerts
from dampwatch_api.cases.dutysync import lock_case, sync_duties
from dampwatch_api.cases.events import duties_of, facts_of
from dampwatch_api.cases.grouping import case_alerts
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.cases.record import append_step

CLOCK_SKEW: Final = timedelta(minutes=5)


class StepKind(StrEnum):
    """The steps an officer records."""

    INVESTIGATION = "investigation"
    SUMMARY_SENT = "summary_sent"
    MADE_SAFE = "made_safe"
    CANNOT_MAKE_SAFE = "cannot_make_safe"
    ACCOMMODATION_OFFERED = "accommodation_offered"
    PREVENTATIVE_STEPS = "preventative_steps"
    PREVENTATIVE_STARTED = "preventative_started"
    WORK_COMPLETED = "work_completed"
    REASONABLE_ENDEAVOURS = "reasonable_endeavours"
    NOTE = "note"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class EndeavourReason(StrEnum):
    """Why a deadline could not be met despite all reasonable endeavours."""

    ACCESS_REFUSED = "access_refused"
    NO_ANSWER = "no_answer"
    TENANT_UNAVAILABLE = "tenant_unavailable"
    SPECIALIST_NEEDED = "specialist_needed"
    MATERIALS_UNAVAILABLE = "materials_unavailable"
    CONSENT_NEEDED = "consent_needed"
    OTHER = "other"


class SummaryMethod(StrEnum):
    """How the written summary reached the tenant."""

    LETTER = "letter"
    EMAIL = "email"
    PORTAL = "portal"
    IN_PERSON = "in_person"


class TenantResponse(StrEnum):
    """The tenant's answer to an offer of somewhere else to stay."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    PENDING = "pending"


class CaseConflict(ValueError):
    """The step does not fit the case as it stands (HTTP 409)."""


@dataclass(frozen=True)
class StepRequest:
    """A step as asked for; which fields matter depends on the kind."""

    kind: StepKind
    at: datetime | None = None
    actor: str | None = None
    text: str = ""
    evidence: tuple[str, ...] = ()
    outcome: Outcome | None = None
    further_work: bool | None = None
    cause: Cause | None = None
    work_planned: str = ""
    method: SummaryMethod | None = None
    tenant_response: TenantResponse | None = None
    duty: DutyKind | None = None
    reason: EndeavourReason | None = None
    assignee: str | None = None
    with_outstanding: bool = False
    letter: dict[str, Any] = field(default_factory=dict)  # the summary as sent, set by the route


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise CaseConflict(message)


def _require(value: object, message: str) -> None:
    if value is None or value == "":
        raise ValueError(message)


def _investigation(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    _need(case.investigated_at is None, "the investigation is already recorded")
    _require(step.outcome, "an investigation needs its outcome")
    found = step.outcome is not Outcome.NO_HAZARD
    if found:
        _require(step.further_work, "say whether further (preventative) work is needed")
    case.investigated_at, case.investigated_by = at, actor
    case.outcome = step.outcome.value if step.outcome else None
    case.cause = step.cause.value if step.cause else None
    case.further_work = bool(step.further_work) if found else False
    return {
        "outcome": case.outcome,
        "cause": case.cause,
        "further_work": case.further_work,
        "work_planned": step.work_planned,
    }


def _summary_sent(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    _need(case.investigated_at is not None, "the summary follows the investigation")
    _require(step.method, "say how the summary reached the tenant (method)")
    if case.investigated_at is not None and at < case.investigated_at:
        raise ValueError("the summary cannot be sent before the investigation concluded")
    case.summary_sent_at = case.summary_sent_at or at
    return {"method": step.method.value if step.method else None, "letter": step.letter}


def _first(case: Case, attribute: str, at: datetime, what: str) -> None:
    _need(getattr(case, attribute) is None, f"{what} is already recorded")
    setattr(case, attribute, at)


def _safety_applies(case: Case) -> bool:
    facts = facts_of(case)
    return facts is not None and make_safe_deadline(facts) is not None


def _further_work_applies(case: Case) -> bool:
    return (
        case.investigated_at is not None
        and case.outcome != Outcome.NO_HAZARD.value
        and (case.further_work is not False)
    )


def _made_safe(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    _need(_safety_applies(case), "no hazard on this case calls for safety work")
    _first(case, "made_safe_at", at, "making the home safe")
    return {}


def _cannot_make_safe(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    _need(_safety_applies(case), "no hazard on this case calls for safety work")
    _need(case.made_safe_at is None, "the home is already recorded as safe")
    _require(step.text, "say why the home cannot be made safe in time")
    _first(case, "cannot_make_safe_at", at, "that the home cannot be made safe in time")
    return {}


def _accommodation(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    _need(_safety_applies(case), "no hazard on this case calls for safety work")
    _require(step.tenant_response, "record the tenant's answer (tenant_response)")
    _require(step.text, "describe the accommodation offered")
    case.accommodation_offered_at = case.accommodation_offered_at or at
    return {"tenant_response": step.tenant_response.value if step.tenant_response else None}


def _preventative(attribute: str, what: str) -> Handler:
    def handle(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
        _need(_further_work_applies(case), "the investigation found no further work needed")
        _require(step.text, f"describe {what}")
        _first(case, attribute, at, what)
        return {}

    return handle


def _endeavours(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    _require(step.duty, "name the duty whose deadline this concerns (duty)")
    _require(step.reason, "give the reason (reason)")
    _require(step.text, "describe what was done to meet the deadline")
    kinds = {duty.kind for duty in duties_of(case, at)}
    _need(step.duty in kinds, f"this case has no {step.duty} duty")
    return {}


def _note(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    _require(step.text, "a note needs its text")
    return {}


def _assigned(case: Case, step: StepRequest, at: datetime, actor: str) -> dict[str, Any]:
    previous = case.assigned_to
    case.assigned_to = (step.assignee or "").strip() or None
    return {"from": previous, "to": case.assigned_to}


Handler = Callable[[Case, StepRequest, datetime, str], dict[str, Any]]
HANDLERS: Final[dict[StepKind, Handler]] = {
    StepKind.INVESTIGATION: _investigation,
    StepKind.SUMMARY_SENT: _summary_sent,
    StepKind.MADE_SAFE: _made_safe,
    StepKind.CANNOT_MAKE_SAFE: _cannot_make_safe,
    StepKind.ACCOMMODATION_OFFERED: _accommodation,
    StepKind.PREVENTATIVE_STEPS: _preventative("preventative_steps_at", "the steps taken"),
    StepKind.PREVENTATIVE_STARTED: _preventative("preventative_started_at", "the work started"),
    StepKind.WORK_COMPLETED: _preventative("work_completed_at", "the work completed"),
    StepKind.REASONABLE_ENDEAVOURS: _endeavours,
    StepKind.NOTE: _note,
    StepKind.ASSIGNED: _assigned,
}


def _close(
    session: Session, case: Case, step: StepRequest, at: datetime, actor: str
) -> dict[str, Any]:
    _require(step.text, "closing a case needs its reason")
    outstanding = [duty.kind.value for duty in duties_of(case, at) if duty.open]
    _need(
        not outstanding or step.with_outstanding,
        f"duties still open: {', '.join(outstanding)}; close anyway with with_outstanding",
    )
    case.status, case.closed_at, case.closed_by = "closed", at, actor
    case.close_reason = step.text
    for alert in case_alerts(session, case):
        if alert.status != "resolved":
            alerts.resolve(session, alert.id, actor, f"case {case.reference} closed: {step.text}")
    return {"outstanding": outstanding}


def _when(case: Case, step: StepRequest, now: datetime) -> datetime:
    at = step.at or now
    if at.tzinfo is None:
        raise ValueError("at needs a timezone")
    if at > now + CLOCK_SKEW:
        raise ValueError("a step cannot be recorded as done in the future")
    earliest = min(moment for moment in (case.aware_at, case.opened_at) if moment is not None)
    if at < earliest:
        raise ValueError("a step cannot come before the case began")
    return at


def record_step(
    session: Session,
    case_id: int,
    step: StepRequest,
    recorded_by: str,
    now: datetime,
    *,
    escalation_role: str,
) -> CaseStep:
    """Check and record `step` on the case, then bring its duties up to date."""
    case = lock_case(session, case_id)
    if case is None:
        raise LookupError(f"no case {case_id}")
    _need(case.status == "open" or step.kind is StepKind.NOTE, "the case is closed")
    at = _when(case, step, now)
    actor = (step.actor or "").strip() or recorded_by
    if step.kind is StepKind.CLOSED:
        detail = _close(session, case, step, at, actor)
    else:
        detail = HANDLERS[step.kind](case, step, at, actor)
    text = step.text.strip()
    if step.kind is StepKind.INVESTIGATION:
        detail["findings"] = text
    recorded = append_step(
        session,
        case,
        kind=step.kind.value,
        at=at,
        recorded_by=recorded_by,
        actor=actor,
        now=now,
        text=text,
        evidence=list(step.evidence),
        duty=step.duty.value if step.duty else None,
        reason=step.reason.value if step.reason else None,
        detail=detail,
    )
    sync_duties(session, case, now, escalation_role)
    return recorded
