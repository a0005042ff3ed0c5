"""What the admin pages share: who may administer, and the API's refusals as plain messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from dampwatch_api.auth.principal import Principal
from dampwatch_api.context import ApiContext
from dampwatch_api.pages.render import PageError, page
from dampwatch_api.pages.session import page_principal
from dampwatch_api.policy import Action, allowed, is_staff

T = TypeVar("T")


class Refused(Exception):
    """The API refused a change; the message says why in plain words."""


def staff_principal(request: Request, context: ApiContext) -> Principal:
    """The signed-in officer or administrator; tenants get a 'not allowed' page."""
    principal = page_principal(request, context)
    if not is_staff(principal):
        raise PageError(status.HTTP_403_FORBIDDEN, "Not allowed", "This page is for staff.")
    return principal


def admin_principal(request: Request, context: ApiContext) -> Principal:
    """The signed-in administrator (the policy's ADMINISTER), or a 'not allowed' page."""
    principal = page_principal(request, context)
    if not allowed(principal, None, None, Action.ADMINISTER):
        raise PageError(
            status.HTTP_403_FORBIDDEN, "Not allowed", "Only administrators can do this."
        )
    return principal


def _validation_text(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(part) for part in item.get("loc", ()) if not isinstance(part, int))
        parts.append(f"{field.replace('_', ' ') or 'the form'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)


def through_api(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an API route function; its refusal (or a bad body) becomes `Refused`."""
    try:
        return call(*args, **kwargs)
    except HTTPException as error:
        raise Refused(str(error.detail)) from error
    except ValidationError as error:
        raise Refused(_validation_text(error)) from error


def link_page(
    request: Request, context: ApiContext, principal: Principal, made: Any, *, who: str, back: str
) -> Response:
    """The page showing a new one-time link once, to pass on to `who`."""
    url = str(request.base_url).rstrip("/") + made.path
    values = {"link": made, "url": url, "who": who, "back": back}
    return page(request, context, "link_made.html", values, principal=principal)
