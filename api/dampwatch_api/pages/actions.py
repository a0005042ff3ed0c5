"""Officers' forms on a home page: acknowledge, assign, note, resolve (one case or all of the
home's), through the alert service and the assignee check the API uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from dampwatch_api.alerts import service
from dampwatch_api.alerts.assignees import AssigneeRefused, check_assignee
from dampwatch_api.alerts.bulk import BulkAction, apply_bulk
from dampwatch_api.deps import ContextDep, HomeIdPath, SessionDep
from dampwatch_api.pages.access import alert_for, home_for
from dampwatch_api.pages.render import redirect
from dampwatch_api.pages.session import check_csrf
from dampwatch_api.policy import Action
from dampwatch_api.registry.models import Home

router = APIRouter(prefix="/homes/{home_id}/alerts/{alert_id}", include_in_schema=False)
home_router = APIRouter(prefix="/homes/{home_id}/alerts", include_in_schema=False)
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ShortText = Annotated[str, Form(max_length=128)]
LongText = Annotated[str, Form(max_length=service.MAX_NOTE_LENGTH)]
CsrfField = Annotated[str | None, Form()]


def _back(home_id: str, alert_id: int, notice: str) -> Response:
    return redirect(f"/homes/{home_id}?notice={notice}#alert-{alert_id}")


def _apply(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    ids: tuple[str, int],
    csrf_token: str | None,
    action: str,
    text: str = "",
) -> Response:
    check_csrf(request, context, csrf_token)
    home_id, alert_id = ids
    principal, alert = alert_for(request, session, context, home_id, alert_id)
    try:
        if action == "acknowledged":
            service.acknowledge(session, alert.id, principal.name)
        elif action == "assigned":
            home = session.scalar(select(Home).where(Home.home_id == home_id))
            assert home is not None  # alert_for found the alert of this home
            assignee = check_assignee(session, home.home_id, home.portfolio, text)
            service.assign(session, alert.id, assignee, principal.name)
        elif action == "noted":
            service.add_note(session, alert.id, text, principal.name)
        else:
            service.resolve(session, alert.id, principal.name, text)
    except service.AlertTransitionError:
        session.rollback()
        return _back(home_id, alert_id, "refused")
    except AssigneeRefused:
        session.rollback()
        return _back(home_id, alert_id, "not-assignable")
    except ValueError:
        session.rollback()
        return _back(home_id, alert_id, "invalid")
    session.commit()
    context.board.invalidate()
    return _back(home_id, alert_id, action)


@router.post("/acknowledge")
def acknowledge(
    *,
    request: Request,
    home_id: HomeIdPath,
    alert_id: AlertId,
    session: SessionDep,
    context: ContextDep,
    csrf_token: CsrfField = None,
) -> Response:
    """Mark the alert as seen."""
    return _apply(
        request=request,
        session=session,
        context=context,
        ids=(home_id, alert_id),
        csrf_token=csrf_token,
        action="acknowledged",
    )


@router.post("/assign")
def assign(
    *,
    request: Request,
    home_id: HomeIdPath,
    alert_id: AlertId,
    session: SessionDep,
    context: ContextDep,
    assignee: ShortText = "",
    csrf_token: CsrfField = None,
) -> Response:
    """Give the case to someone (empty: nobody)."""
    return _apply(
        request=request,
        session=session,
        context=context,
        ids=(home_id, alert_id),
        csrf_token=csrf_token,
        action="assigned",
        text=assignee,
    )


@router.post("/note")
def note(
    *,
    request: Request,
    home_id: HomeIdPath,
    alert_id: AlertId,
    session: SessionDep,
    context: ContextDep,
    text: LongText = "",
    csrf_token: CsrfField = None,
) -> Response:
    """Add a note to the case file."""
    return _apply(
        request=request,
        session=session,
        context=context,
        ids=(home_id, alert_id),
        csrf_token=csrf_token,
        action="noted",
        text=text,
    )


@router.post("/resolve")
def resolve(
    *,
    request: Request,
    home_id: HomeIdPath,
    alert_id: AlertId,
    session: SessionDep,
    context: ContextDep,
    reason: LongText = "",
    csrf_token: CsrfField = None,
) -> Response:
    """Close the case with a reason."""
    return _apply(
        request=request,
        session=session,
        context=context,
        ids=(home_id, alert_id),
        csrf_token=csrf_token,
        action="resolved",
        text=reason,
    )


@home_router.post("/bulk")
def home_bulk(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    action: Annotated[str, Form(max_length=20)],
    assignee: ShortText = "",
    csrf_token: CsrfField = None,
) -> Response:
    """Acknowledge or assign every open case of the home at once."""
    check_csrf(request, context, csrf_token)
    principal, home = home_for(request, session, context, home_id, Action.MANAGE)
    chosen = BulkAction(action) if action in {"acknowledge", "assign"} else None
    ids = [alert.id for alert in service.open_alerts(session, [home.home_id])]
    if chosen is None or not ids:
        return redirect(f"/homes/{home_id}?notice=invalid")
    outcome = apply_bulk(session, principal, ids, chosen, assignee)
    session.commit()
    context.board.invalidate()
    if outcome.refused and not outcome.done:
        return redirect(f"/homes/{home_id}?notice=not-assignable#cases")
    notice = "bulk-acknowledged" if chosen is BulkAction.ACKNOWLEDGE else "bulk-assigned"
    return redirect(f"/homes/{home_id}?notice={notice}#cases")
