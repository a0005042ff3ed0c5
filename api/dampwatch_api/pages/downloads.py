"""Downloads from pages: the data export and the condition report, with the page's sign-in."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from dampwatch_api.cases.summary import issued_letter
from dampwatch_api.cases.summary_pdf import letter_response
from dampwatch_api.deps import ContextDep, HomeIdPath, SessionDep
from dampwatch_api.pages.access import home_for
from dampwatch_api.pages.render import PageError
from dampwatch_api.policy import Action, sees_other_people
from dampwatch_api.report.route import OptionalDay, PeriodError, pdf_response, report_pdf
from dampwatch_api.routes.data_rights import export_response

router = APIRouter(prefix="/homes/{home_id}", include_in_schema=False)


@router.get("/export.{fmt}")
def export_download(
    *,
    request: Request,
    home_id: HomeIdPath,
    fmt: Literal["json", "csv"],
    session: SessionDep,
    context: ContextDep,
) -> Response:
    """Everything held about the home (the tenant's right of access)."""
    principal, home = home_for(request, session, context, home_id, Action.CONSENT)
    return export_response(session, context.influx, home, fmt, principal)


@router.get("/report.pdf")
def report_download(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    start: Annotated[OptionalDay, Query(alias="from")] = None,
    end: Annotated[OptionalDay, Query(alias="to")] = None,
) -> Response:
    """The condition report of the chosen period."""
    principal, home = home_for(request, session, context, home_id, Action.READ)
    try:
        staff = sees_other_people(principal)
        content = report_pdf(session, context.influx, home, start, end, staff=staff)
    except PeriodError as error:
        raise PageError(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Check the dates", str(error)
        ) from error
    return pdf_response(content, home.home_id)


@router.get("/summaries/{case_id}.pdf")
def summary_download(
    *, request: Request, home_id: HomeIdPath, case_id: int, session: SessionDep, context: ContextDep
) -> Response:
    """A written summary sent about the home (its tenant's letter)."""
    _, home = home_for(request, session, context, home_id, Action.READ)
    letter = issued_letter(session, home.home_id, case_id)
    if letter is None:
        raise PageError(status.HTTP_404_NOT_FOUND, "Not found", "There is no such letter.")
    return letter_response(letter)
