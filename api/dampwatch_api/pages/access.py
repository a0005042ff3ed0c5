"""Who is asking and what they may see, through the API's own guards and policy."""

from __future__ import annotations

from fastapi import HTTPException, Request, status
from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import Alert
from dampwatch_api.auth.principal import Principal
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import HomeGuard
from dampwatch_api.pages.render import PageError
from dampwatch_api.pages.session import page_principal
from dampwatch_api.policy import Action
from dampwatch_api.registry.models import Home
from dampwatch_api.routes.alerts import AlertGuard

NOT_FOUND_TEXT = "There is no such page, or it is not yours to see."


def page_error(error: HTTPException) -> PageError:
    if error.status_code == status.HTTP_403_FORBIDDEN:
        return PageError(error.status_code, "Not allowed", "You are not allowed to do this here.")
    return PageError(status.HTTP_404_NOT_FOUND, "Not found", NOT_FOUND_TEXT)


def home_for(
    request: Request, session: Session, context: ApiContext, home_id: str, action: Action
) -> tuple[Principal, Home]:
    """The signed-in caller and the home, once `HomeGuard(action)` allows it."""
    principal = page_principal(request, context)
    try:
        return principal, HomeGuard(action)(home_id, principal, session)
    except HTTPException as error:
        raise page_error(error) from error


def alert_for(
    request: Request, session: Session, context: ApiContext, home_id: str, alert_id: int
) -> tuple[Principal, Alert]:
    """The caller and an alert of this home they may work on (`AlertGuard(MANAGE)`)."""
    principal = page_principal(request, context)
    try:
        alert = AlertGuard(Action.MANAGE)(alert_id, principal, session)
    except HTTPException as error:
        raise page_error(error) from error
    if alert.home_id != home_id:
        raise PageError(status.HTTP_404_NOT_FOUND, "Not found", NOT_FOUND_TEXT)
    return principal, alert
