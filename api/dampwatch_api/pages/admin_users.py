"""Admin pages for people: staff accounts, their portfolios, and password resets by one-time link.

Every change goes through the API's own route functions and so through the policy.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Final

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from dampwatch_api.deps import ContextDep, SessionDep
from dampwatch_api.pages.admin_common import Refused, admin_principal, link_page, through_api
from dampwatch_api.pages.render import page, redirect
from dampwatch_api.pages.session import check_csrf
from dampwatch_api.registry.models import Role, User
from dampwatch_api.routes import links, users
from dampwatch_api.schemas import UserIn, UserPatch

router = APIRouter(prefix="/admin/users", include_in_schema=False)
Field = Annotated[str, Form(max_length=500)]
CsrfField = Annotated[str | None, Form()]
UsernamePath = Annotated[str, Path(min_length=1, max_length=100)]
NOTICES: Final = {
    "saved": "The changes are saved.",
    "deactivated": "The account is switched off: its sign-in stops working at once.",
    "activated": "The account is switched on again.",
}


def _portfolios(text: str) -> list[str]:
    return sorted({part.strip() for part in text.replace(";", ",").split(",") if part.strip()})


def _list_values(session: SessionDep) -> dict[str, object]:
    people = list(session.scalars(select(User).order_by(User.role, User.username)))
    return {"people": people, "roles": [Role.OFFICER.value, Role.ADMIN.value]}


@router.get("")
def users_list(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Every account, with the forms that change them."""
    principal = admin_principal(request, context)
    values = _list_values(session) | {"notice": NOTICES.get(notice or "")}
    return page(request, context, "admin_users.html", values, principal=principal)


def _link_page(request: Request, context: ContextDep, made: links.LinkOut, who: str) -> Response:
    principal = admin_principal(request, context)
    return link_page(request, context, principal, made, who=who, back="/admin/users")


@router.post("")
def user_create(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    username: Field,
    role: Field,
    portfolios: Field = "",
    csrf_token: CsrfField = None,
) -> Response:
    """A staff account; its owner sets their password through a one-time link."""
    check_csrf(request, context, csrf_token)
    principal = admin_principal(request, context)
    try:
        body = through_api(
            UserIn,
            username=username.strip(),
            # Nobody knows this password: the owner chooses theirs through the link.
            password=secrets.token_urlsafe(24),
            role=role,
            portfolios=_portfolios(portfolios),
        )
        through_api(users.create_user, body, principal, session)
        made = through_api(links.send_password_reset, body.username, principal, session)
    except Refused as error:
        session.rollback()
        values = _list_values(session) | {"error": str(error)}
        return page(
            request, context, "admin_users.html", values, principal=principal, status_code=422
        )
    return _link_page(request, context, made, body.username)


@router.post("/{username}/reset")
def user_reset(
    *,
    request: Request,
    username: UsernamePath,
    session: SessionDep,
    context: ContextDep,
    csrf_token: CsrfField = None,
) -> Response:
    """A one-time link for the person to set a new password."""
    check_csrf(request, context, csrf_token)
    principal = admin_principal(request, context)
    try:
        made = through_api(links.send_password_reset, username, principal, session)
    except Refused as error:
        values = _list_values(session) | {"error": str(error)}
        return page(
            request, context, "admin_users.html", values, principal=principal, status_code=404
        )
    return _link_page(request, context, made, username)


@router.post("/{username}")
def user_save(
    *,
    request: Request,
    username: UsernamePath,
    session: SessionDep,
    context: ContextDep,
    portfolios: Field | None = None,
    active: Annotated[str | None, Form(max_length=5)] = None,
    csrf_token: CsrfField = None,
) -> Response:
    """Change an officer's portfolios, or switch an account off or on."""
    check_csrf(request, context, csrf_token)
    principal = admin_principal(request, context)
    changes: dict[str, object] = {}
    if portfolios is not None:
        changes["portfolios"] = _portfolios(portfolios)
    if active in ("true", "false"):
        changes["active"] = active == "true"
    try:
        body = through_api(UserPatch, **changes)
        if username == principal.name and changes.get("active") is False:
            raise Refused("you cannot switch off your own account")
        through_api(users.update_user, username, body, principal, session)
    except Refused as error:
        session.rollback()
        values = _list_values(session) | {"error": str(error)}
        return page(
            request, context, "admin_users.html", values, principal=principal, status_code=422
        )
    state = changes.get("active")
    notice = "saved" if state is None else ("activated" if state else "deactivated")
    return redirect(f"/admin/users?notice={notice}")
