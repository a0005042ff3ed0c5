"""Ways out to the landlord's other systems, and the tenant's own written summaries.

`/v1/exports/hact`: the caller's cases as damp and mould data standard objects.
`/v1/feeds/...`: today's open cases and duties as CSV or SQL (the files the worker writes daily).
`/v1/homes/{home_id}/summaries`: the written summaries sent about a home, for its tenant too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from sqlalchemy import select

from dampwatch_api.cases import feed
from dampwatch_api.cases.hact_export import export_document
from dampwatch_api.cases.models import Case
from dampwatch_api.cases.routes import scope
from dampwatch_api.cases.schemas import LetterOut
from dampwatch_api.cases.summary import issued_letter, issued_letters
from dampwatch_api.cases.summary_pdf import letter_response
from dampwatch_api.cases.views import letter_out
from dampwatch_api.deps import Caseworker, HomeRead, SessionDep

router = APIRouter(tags=["exports"])
MAX_EXPORT = 5000
MEDIA = {"cases.csv": "text/csv", "duties.csv": "text/csv", "cases.sql": "application/sql"}


@router.get("/v1/exports/hact")
def export_hact(
    *,
    principal: Caseworker,
    session: SessionDep,
    case_status: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
    since: Annotated[datetime | None, Query(description="cases changed since (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EXPORT)] = MAX_EXPORT,
) -> dict[str, Any]:
    """The caller's cases as MHCLG / HACT damp and mould data standard objects."""
    query = select(Case).order_by(Case.id).limit(limit)
    home_ids = scope(principal, session)
    if home_ids is not None:
        query = query.where(Case.home_id.in_(home_ids))
    if case_status is not None:
        query = query.where(Case.status == case_status)
    if since is not None:
        query = query.where(
            Case.updated_at >= (since if since.tzinfo else since.replace(tzinfo=UTC))
        )
    return export_document(session, session.scalars(query), datetime.now(UTC))


def _feed_file(name: str, principal: Any, session: SessionDep) -> Response:
    now = datetime.now(UTC)
    files = feed.render(feed.gather(session, now, scope(principal, session)))
    return Response(
        files[name],
        media_type=f"{MEDIA[name]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/v1/feeds/cases.csv", response_class=Response)
def feed_cases(principal: Caseworker, session: SessionDep) -> Response:
    """Open cases, one row each, with the next duty and its deadline."""
    return _feed_file("cases.csv", principal, session)


@router.get("/v1/feeds/duties.csv", response_class=Response)
def feed_duties(principal: Caseworker, session: SessionDep) -> Response:
    """Every duty of the open cases, one row each."""
    return _feed_file("duties.csv", principal, session)


@router.get("/v1/feeds/cases.sql", response_class=Response)
def feed_sql(principal: Caseworker, session: SessionDep) -> Response:
    """Both tables as SQL statements that replace their rows in one transaction."""
    return _feed_file("cases.sql", principal, session)


@router.get("/v1/homes/{home_id}/summaries", response_model=list[LetterOut])
def home_summaries(home: HomeRead, session: SessionDep) -> list[LetterOut]:
    """The written summaries sent about this home, newest first (its tenant may read them)."""
    return [
        letter_out(
            case,
            letter,
            draft=False,
            issued_at=step.at,
            pdf=f"/v1/homes/{home.home_id}/summaries/{case.id}.pdf",
        )
        for case, step, letter in issued_letters(session, home.home_id)
    ]


@router.get(
    "/v1/homes/{home_id}/summaries/{case_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def home_summary_pdf(
    home: HomeRead, case_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep
) -> Response:
    """A written summary sent about this home, as PDF."""
    letter = issued_letter(session, home.home_id, case_id)
    if letter is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no written summary of that case here")
    return letter_response(letter)
