"""Officers' forms on a home page: acknowledge, assign, note, resolve, through the alert service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from dampwatch_api.alerts import service
from dampwatch_api.deps import ContextDep, HomeIdPath, SessionDep
from dampwatch_api.pages.access import alert_for
from dampwatch_api.pages.render import redirect
from dampwatch_api.pages.session import check_csrf

router = APIRouter(prefix="/homes/{home_id}/alerts/{alert_id}", include_in_schema=False)
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
            service.assign(session, alert.id, text, principal.name)
        elif action == "noted":
            service.add_note(session, alert.id, text, principal.name)
        else:
            service.resolve(session, alert.id, principal.name, text)
    except service.AlertTransitionError:
        session.rollback()
        return _back(home_id, alert_id, "refused")
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
