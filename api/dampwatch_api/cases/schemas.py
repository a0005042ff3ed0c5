"""The case API's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from dampwatch.casework.duties import Cause, DutyKind, Outcome
from dampwatch_api.cases.steps import EndeavourReason, StepKind, SummaryMethod, TenantResponse

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class DutyOut(BaseModel):
    """A statutory duty of the case."""

    duty: str
    title: str
    requirement: str
    status: str
    due_by: datetime | None
    done_at: datetime | None
    starts: str | None
    endeavours: int = Field(description="reasonable endeavours records kept for this duty")


class CaseAlertOut(BaseModel):
    """An alert grouped into the case."""

    id: int
    room: str | None
    kind: str
    severity: str
    status: str
    opened_at: datetime
    evidence: str


class InvestigationOut(BaseModel):
    """What the investigation concluded."""

    at: datetime
    by: str | None
    outcome: str | None
    cause: str | None
    further_work: bool | None


class CaseSummaryOut(BaseModel):
    """A case in a list."""

    id: int
    reference: str
    home_id: str
    status: str
    level: str | None
    opened_at: datetime
    aware_at: datetime | None
    assigned_to: str | None
    escalated_to: str | None
    next_duty: DutyOut | None
    overdue: bool


class CaseOut(CaseSummaryOut):
    """A case with everything a case page shows."""

    emergency_aware_at: datetime | None
    escalated_at: datetime | None
    investigation: InvestigationOut | None
    summary_sent_at: datetime | None
    made_safe_at: datetime | None
    cannot_make_safe_at: datetime | None
    accommodation_offered_at: datetime | None
    preventative_steps_at: datetime | None
    preventative_started_at: datetime | None
    work_completed_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str | None
    duties: list[DutyOut]
    alerts: list[CaseAlertOut]
    steps: int
    links: dict[str, str]


class StepIn(BaseModel):
    """A step to record; which fields it needs depends on `kind` (see the README)."""

    kind: StepKind
    at: AwareDatetime | None = Field(default=None, description="when it happened (default now)")
    actor: Name | None = Field(default=None, description="who did it (default: you)")
    text: Text = ""
    evidence: list[Reference] = Field(default_factory=list, max_length=20)
    outcome: Outcome | None = None
    further_work: bool | None = None
    cause: Cause | None = None
    work_planned: Text = ""
    method: SummaryMethod | None = None
    tenant_response: TenantResponse | None = None
    duty: DutyKind | None = None
    reason: EndeavourReason | None = None
    assignee: Name | None = None
    with_outstanding: bool = False


class StepOut(BaseModel):
    """One entry of the case's record."""

    seq: int
    kind: str
    at: datetime
    recorded_at: datetime
    recorded_by: str
    actor: str
    duty: str | None
    reason: str | None
    text: str
    evidence: list[str]
    detail: dict[str, Any]


class SectionOut(BaseModel):
    """A part of the written summary, as plain text."""

    heading: str
    paragraphs: list[str]
    items: list[str]


class LetterOut(BaseModel):
    """The written summary: as sent, or a draft of it."""

    case_id: int
    reference: str
    draft: bool
    issued_at: datetime | None
    title: str
    address: str
    issued_on: str
    sections: list[SectionOut]
    pdf: str
