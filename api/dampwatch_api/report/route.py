"""`GET /v1/homes/{id}/report.pdf`: the condition report of a chosen period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from dampwatch.influx import InfluxQL
from dampwatch_api.deps import ContextDep, HomeRead, SessionDep, SignedIn
from dampwatch_api.policy import sees_other_people
from dampwatch_api.registry.models import Home
from dampwatch_api.report.data import gather
from dampwatch_api.report.document import render_pdf

router = APIRouter(prefix="/v1/homes/{home_id}", tags=["reports"])
DEFAULT_PERIOD: Final = timedelta(days=30)
MAX_PERIOD: Final = timedelta(days=400)
# Readings are stamped by clocks of this century; InfluxDB refuses times far outside it.
EARLIEST_DAY: Final = date(1970, 1, 1)
LATEST_DAY: Final = date(2199, 12, 31)


def _blank_is_none(value: object) -> object:
    # An empty date box of a form arrives as `from=`: it means "the default".
    return None if isinstance(value, str) and not value.strip() else value


OptionalDay = Annotated[date | None, BeforeValidator(_blank_is_none)]


class PeriodError(ValueError):
    """The period is empty, reversed or too long."""


def period(
    start: date | None, end: date | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The report's UTC period: whole days from `start` to the end of `end` (default 30 days)."""
    for day in (start, end):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise PeriodError(f"days must lie between {EARLIEST_DAY} and {LATEST_DAY}")
    end_at = (
        datetime.combine(end + timedelta(days=1), time(), UTC)
        if end is not None
        else (now or datetime.now(UTC))
    )
    start_at = (
        datetime.combine(start, time(), UTC) if start is not None else end_at - DEFAULT_PERIOD
    )
    if start_at >= end_at:
        raise PeriodError("the period must start before it ends")
    if end_at - start_at > MAX_PERIOD:
        raise PeriodError(f"a report covers at most {MAX_PERIOD.days} days")
    return start_at, end_at


def report_pdf(
    session: Session,
    influx: InfluxQL,
    home: Home,
    start: date | None,
    end: date | None,
    *,
    staff: bool = True,
) -> bytes:
    """The PDF of `home` for the period (a tenant's names no staff), or `PeriodError`."""
    start_at, end_at = period(start, end)
    return render_pdf(gather(session, influx, home, start_at, end_at), staff=staff)


def pdf_response(content: bytes, home_id: str) -> Response:
    """The PDF as a download."""
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="condition-report-{home_id}.pdf"'},
    )


@router.get(
    "/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def condition_report(
    *,
    home: HomeRead,
    principal: SignedIn,
    session: SessionDep,
    context: ContextDep,
    start: Annotated[
        OptionalDay, Query(alias="from", description="first day (UTC; empty: 30 days before `to`)")
    ] = None,
    end: Annotated[
        OptionalDay, Query(alias="to", description="last day (UTC), included (empty: now)")
    ] = None,
) -> Response:
    """Conditions per room with charts, the flags and their evidence, and the alert history."""
    try:
        staff = sees_other_people(principal)
        content = report_pdf(session, context.influx, home, start, end, staff=staff)
    except PeriodError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    return pdf_response(content, home.home_id)
