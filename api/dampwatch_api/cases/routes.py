"""Cases: list, one case with its duties and alerts, its record of steps, its written summary.

Officers work on the cases of their portfolios and admins on all (`CaseGuard`, through the
policy); tenants never see a case, only the written summaries sent about their home
(`/v1/homes/{home_id}/summaries`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.cases import steps as case_steps
from dampwatch_api.cases.hact_export import export_document
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.cases.schemas import CaseOut, CaseSummaryOut, LetterOut, StepIn, StepOut
from dampwatch_api.cases.summary import NotReady, build_letter, contact_line, letter_from_json
from dampwatch_api.cases.summary import letter_json as as_json
from dampwatch_api.cases.summary_pdf import letter_response
from dampwatch_api.cases.views import CaseFilter, case_out, letter_out, list_cases, summary_out
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import Caseworker, ContextDep, CurrentUser, Guard, SessionDep
from dampwatch_api.policy import Action, allowed, visible_homes, works_on_cases
from dampwatch_api.registry.models import Home

router = APIRouter(prefix="/v1/cases", tags=["cases"])
CaseIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


class CaseGuard(Guard):
    """Loads `{case_id}` and requires casework on its home (404 when the caller may not)."""

    action = Action.MANAGE

    def __call__(self, case_id: CaseIdPath, principal: CurrentUser, session: SessionDep) -> Case:
        """The case, once the policy allows working on its home."""
        case = session.get(Case, case_id)
        home = session.scalar(select(Home).where(Home.home_id == case.home_id)) if case else None
        portfolio = home.portfolio if home is not None else None
        if (
            case is None
            or not works_on_cases(principal)
            or not allowed(principal, case.home_id, portfolio, self.action)
        ):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"case {case_id} not found")
        return case


CaseManage = Annotated[Case, Depends(CaseGuard())]


def scope(principal: Any, session: Session) -> list[str] | None:
    """The homes the caller's cases may belong to (None: every home)."""
    if allowed(principal, None, None, Action.ADMINISTER):
        return None
    return list(session.scalars(select(Home.home_id).where(visible_homes(principal))))


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("", response_model=list[CaseSummaryOut])
def list_all(
    *,
    principal: Caseworker,
    session: SessionDep,
    response: Response,
    case_status: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
    home_id: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[str | None, Query(pattern="^(emergency|significant)$")] = None,
    assigned_to: Annotated[str | None, Query(max_length=128)] = None,
    overdue: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[CaseSummaryOut]:
    """Cases of the homes the caller works on, newest first; `X-Total-Count` gives the total."""
    filters = CaseFilter(
        home_ids=scope(principal, session),
        status=case_status,
        home_id=home_id,
        level=level,
        assigned_to=assigned_to,
        overdue=overdue,
    )
    now = _now()
    cases, total = list_cases(session, filters, offset, limit, now)
    response.headers["X-Total-Count"] = str(total)
    return [summary_out(case, now) for case in cases]


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case: CaseManage, session: SessionDep) -> CaseOut:
    """One case: its clock, duties with deadlines, next duty, alerts, and where to find more."""
    return case_out(session, case, _now())


def step_out(step: CaseStep) -> StepOut:
    """The response form of a step."""
    return StepOut(
        seq=step.seq,
        kind=step.kind,
        at=step.at,
        recorded_at=step.recorded_at,
        recorded_by=step.recorded_by,
        actor=step.actor,
        duty=step.duty,
        reason=step.reason,
        text=step.text,
        evidence=list(step.evidence or []),
        detail=dict(step.detail or {}),
    )


@router.get("/{case_id}/steps", response_model=list[StepOut])
def list_steps(case: CaseManage, session: SessionDep) -> list[StepOut]:
    """The case's record: every step, who did it, when, with what evidence."""
    query = select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.seq)
    return [step_out(step) for step in session.scalars(query)]


def _contact(context: ApiContext) -> str:
    settings = context.settings
    return contact_line(settings.contact_name, settings.contact_phone, settings.contact_email)


def record_case_step(
    session: Session, case: Case, body: StepIn, actor: str, context: ApiContext
) -> CaseStep:
    """Record a step as `actor` (the API's and the case page's one way); the caller commits.

    Raises CaseConflict or NotReady when the step does not fit the case as it stands.
    """
    now = _now()
    request = case_steps.StepRequest(
        **body.model_dump(exclude={"evidence"}), evidence=tuple(body.evidence)
    )
    if request.kind is case_steps.StepKind.SUMMARY_SENT and case.investigated_at is not None:
        letter = build_letter(session, case, request.at or now, _contact(context))
        request = case_steps.StepRequest(**{**vars(request), "letter": as_json(letter)})
    return case_steps.record_step(
        session,
        case.id,
        request,
        actor,
        now,
        escalation_role=context.settings.case_escalation_role,
    )


@router.post("/{case_id}/steps", response_model=StepOut, status_code=status.HTTP_201_CREATED)
def record_step(
    body: StepIn, case: CaseManage, principal: Caseworker, session: SessionDep, context: ContextDep
) -> StepOut:
    """Record a step: the investigation and its findings, the summary sent, the home made safe,
    the further work, a reasonable endeavours record, a note, an assignment, or closing."""
    try:
        step = record_case_step(session, case, body, principal.name, context)
    except (case_steps.CaseConflict, NotReady) as error:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    session.commit()
    return step_out(step)


def case_letter(
    session: Session, case: Case, context: ApiContext
) -> tuple[Any, bool, datetime | None]:
    """(letter, draft?, sent at): the summary as sent, else a draft; NotReady before the
    investigation is recorded."""
    sent = session.scalars(
        select(CaseStep)
        .where(CaseStep.case_id == case.id, CaseStep.kind == "summary_sent")
        .order_by(CaseStep.seq.desc())
    ).first()
    if sent is not None and sent.detail.get("letter"):
        return letter_from_json(sent.detail["letter"]), False, sent.at
    return build_letter(session, case, _now(), _contact(context)), True, None


def _letter(session: Session, case: Case, context: ApiContext) -> tuple[Any, bool, datetime | None]:
    try:
        return case_letter(session, case, context)
    except NotReady as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error


@router.get("/{case_id}/summary", response_model=LetterOut)
def get_summary(case: CaseManage, session: SessionDep, context: ContextDep) -> LetterOut:
    """The written summary as sent, or, before it is sent, a draft from the case as it stands."""
    letter, draft, issued_at = _letter(session, case, context)
    pdf = f"/v1/cases/{case.id}/summary.pdf"
    return letter_out(case, letter, draft=draft, issued_at=issued_at, pdf=pdf)


@router.get(
    "/{case_id}/summary.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def get_summary_pdf(case: CaseManage, session: SessionDep, context: ContextDep) -> Response:
    """The written summary (or its draft) as PDF."""
    letter, _draft, _issued = _letter(session, case, context)
    return letter_response(letter)


@router.get("/{case_id}/hact")
def get_hact(case: CaseManage, session: SessionDep) -> dict[str, Any]:
    """The case as damp and mould data standard objects, with the sensor evidence extension."""
    return export_document(session, [case], _now())
