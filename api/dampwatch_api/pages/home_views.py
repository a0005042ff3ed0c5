"""A home's page (the tenant's view or the officer's), and the tenant's consent form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.alerts import service
from dampwatch_api.alerts.assignees import assignable
from dampwatch_api.cases.summary import issued_letters
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import ContextDep, HomeIdPath, SessionDep
from dampwatch_api.pages.access import home_for
from dampwatch_api.pages.case_data import STEP_TITLES, WORDS, case_panels
from dampwatch_api.pages.home_data import PERIODS, home_view
from dampwatch_api.pages.render import PageError, page, redirect
from dampwatch_api.pages.session import check_csrf
from dampwatch_api.pages.watch_views import early_advice, watch_lane
from dampwatch_api.policy import Action, aggregated_only, may
from dampwatch_api.registry.models import ConsentPurpose
from dampwatch_api.routes.consent import get_consent, set_consent
from dampwatch_api.schemas import ConsentIn

router = APIRouter(include_in_schema=False)

# Notices after a form, by key: the page never echoes text from the address bar.
NOTICES: Final = {
    "acknowledged": "The case is acknowledged.",
    "assigned": "The case is assigned.",
    "noted": "Your note is added to the case file.",
    "resolved": "The case is resolved.",
    "bulk-acknowledged": "Every open case of this home is acknowledged.",
    "bulk-assigned": "Every open case of this home is assigned.",
    "consent-given": "Thank you: readings from your home are collected again.",
    "consent-withdrawn": (
        "Consent withdrawn: readings from your home are no longer stored or shown."
    ),
    "statistics-off": ("Done: your home is no longer counted in the area statistics we publish."),
    "statistics-on": "Thank you: your home is counted in the area statistics again.",
    "refused": "That change is not possible for this case any more.",
    "invalid": "Please fill in the form completely.",
    "not-assignable": "That person cannot take cases of this home.",
    "step-recorded": "The step is recorded in the case file.",
}
REPORT_DAYS: Final = 30


def render_home(
    request: Request,
    session: Session,
    context: ApiContext,
    home_id: str,
    *,
    days: int = 7,
    notice: str | None = None,
    case_error: tuple[int, str] | None = None,
) -> Response:
    """The home's page for the caller; `case_error` (case id, why) answers a refused step."""
    principal, home = home_for(request, session, context, home_id, Action.READ)
    days = days if days in PERIODS else PERIODS[0]
    tenant = aggregated_only(principal)
    view = home_view(session, context.influx, home, days, staff=not tenant)
    values = {
        "view": view,
        "periods": PERIODS,
        "notice": NOTICES.get(notice or ""),
        "can_manage": may(principal, home, Action.MANAGE),
        "can_consent": may(principal, home, Action.CONSENT),
        "contact": context.settings,
    }
    if tenant:
        values["consent"] = get_consent(home, session)
        values["letters"] = issued_letters(session, home.home_id)
        values["early"] = early_advice(session, home.home_id)  # watched rooms (watch_views.py)
        return page(request, context, "tenant_home.html", values, principal=principal)
    today = datetime.now(UK_TIMEZONE).date()
    values |= {
        "events": {alert.id: service.alert_events(session, alert.id) for alert in view.history},
        "assignees": assignable(session, [(home.home_id, home.portfolio)]),
        "report_from": (today - timedelta(days=REPORT_DAYS)).isoformat(),
        "report_to": today.isoformat(),
        "case_panels": case_panels(session, home.home_id, datetime.now(UTC)),
        "case_error": case_error,
        "step_titles": STEP_TITLES,
        "words": WORDS,
        "home_watches": watch_lane(session, principal, home.home_id),  # watch_views.py
    }
    refused = status.HTTP_409_CONFLICT if case_error else status.HTTP_200_OK
    return page(
        request, context, "officer_home.html", values, principal=principal, status_code=refused
    )


@router.get("/homes/{home_id}")
def home_page(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    days: Annotated[int, Query()] = 7,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The tenant's page of their home, or the officer's page of a home in their portfolios."""
    return render_home(request, session, context, home_id, days=days, notice=notice)


@router.post("/homes/{home_id}/consent")
def consent_form(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    granted: Annotated[bool, Form()],
    purpose: Annotated[ConsentPurpose, Form()] = ConsentPurpose.MONITORING,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The tenant gives or withdraws consent for a purpose (the API's consent route records it)."""
    check_csrf(request, context, csrf_token)
    principal, home = home_for(request, session, context, home_id, Action.CONSENT)
    try:
        set_consent(ConsentIn(granted=granted, purpose=purpose), home, principal, session, context)
    except HTTPException as error:
        raise PageError(error.status_code, "Consent not changed", str(error.detail)) from error
    if purpose is ConsentPurpose.STATISTICS:
        notice = "statistics-on" if granted else "statistics-off"
    else:
        notice = "consent-given" if granted else "consent-withdrawn"
    return redirect(f"/homes/{home.home_id}?notice={notice}")
