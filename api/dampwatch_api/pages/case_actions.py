"""The case page's forms: record a statutory step, read the written summary, through the same
guard, policy and step service as `/v1/cases/{id}/steps`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.auth.principal import Principal
from dampwatch_api.cases import steps as case_steps
from dampwatch_api.cases.models import Case
from dampwatch_api.cases.routes import CaseGuard, case_letter, record_case_step
from dampwatch_api.cases.schemas import StepIn
from dampwatch_api.cases.summary import NotReady
from dampwatch_api.cases.summary_pdf import letter_response
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import ContextDep, HomeIdPath, SessionDep
from dampwatch_api.pages.access import NOT_FOUND_TEXT, page_error
from dampwatch_api.pages.home_views import render_home
from dampwatch_api.pages.render import PageError, redirect
from dampwatch_api.pages.session import check_csrf, page_principal

router = APIRouter(prefix="/homes/{home_id}/cases/{case_id}", include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Field = Annotated[str, Form(max_length=10_000)]
Choice = Annotated[str, Form(max_length=40)]


def case_for(
    request: Request, session: SessionDep, context: ApiContext, home_id: str, case_id: int
) -> tuple[Principal, Case]:
    """The caller and a case of this home they may work on (`CaseGuard`, the API's own)."""
    principal = page_principal(request, context)
    try:
        case = CaseGuard()(case_id, principal, session)
    except HTTPException as error:
        raise page_error(error) from error
    if case.home_id != home_id:
        raise PageError(status.HTTP_404_NOT_FOUND, "Not found", NOT_FOUND_TEXT)
    return principal, case


def _moment(text: str) -> datetime | None:
    """A `datetime-local` value read as UK clock time; empty means now."""
    if not text.strip():
        return None
    return datetime.fromisoformat(text.strip()).replace(tzinfo=UK_TIMEZONE)


def _yes_no(text: str) -> bool | None:
    return {"yes": True, "no": False}.get(text)


def _plain_error(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "the form"
    return f"{field}: {first['msg']}"


@router.post("/steps")
def record_step_form(
    *,
    request: Request,
    home_id: HomeIdPath,
    case_id: CaseId,
    session: SessionDep,
    context: ContextDep,
    csrf_token: Annotated[str | None, Form()] = None,
    kind: Choice,
    at: Annotated[str, Form(max_length=40)] = "",
    text: Field = "",
    evidence: Field = "",
    outcome: Choice = "",
    further_work: Choice = "",
    cause: Choice = "",
    work_planned: Field = "",
    method: Choice = "",
    tenant_response: Choice = "",
    duty: Choice = "",
    reason: Choice = "",
) -> Response:
    """Record one step of the case; a step that does not fit is shown on the page, not lost."""
    check_csrf(request, context, csrf_token)
    principal, case = case_for(request, session, context, home_id, case_id)
    try:
        body = StepIn.model_validate(
            {
                "kind": kind,
                "at": _moment(at),
                "text": text,
                "evidence": [line.strip() for line in evidence.splitlines() if line.strip()],
                "outcome": outcome or None,
                "further_work": _yes_no(further_work),
                "cause": cause or None,
                "work_planned": work_planned,
                "method": method or None,
                "tenant_response": tenant_response or None,
                "duty": duty or None,
                "reason": reason or None,
            }
        )
        record_case_step(session, case, body, principal.name, context)
    except ValidationError as error:
        session.rollback()
        why = _plain_error(error)
        return render_home(request, session, context, home_id, case_error=(case_id, why))
    except (case_steps.CaseConflict, NotReady, ValueError) as error:
        session.rollback()
        return render_home(request, session, context, home_id, case_error=(case_id, str(error)))
    session.commit()
    context.board.invalidate()
    return redirect(f"/homes/{home_id}?notice=step-recorded#case-{case_id}")


@router.get("/summary.pdf")
def summary_pdf(
    *,
    request: Request,
    home_id: HomeIdPath,
    case_id: CaseId,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    """The written summary as sent, or the draft of it once the investigation is recorded."""
    _, case = case_for(request, session, context, home_id, case_id)
    try:
        letter, _draft, _sent_at = case_letter(session, case, context)
    except NotReady as error:
        raise PageError(status.HTTP_409_CONFLICT, "Not ready yet", str(error)) from error
    return letter_response(letter)
