"""Pages a one-time link opens: a tenant's sign-up, a new password. The link's token is the
credential; the API's link routes do the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from dampwatch_api.auth.tokens import create_access_token
from dampwatch_api.deps import ContextDep, SessionDep
from dampwatch_api.pages.admin_common import Refused, through_api
from dampwatch_api.pages.render import page, redirect
from dampwatch_api.pages.session import check_csrf, set_session
from dampwatch_api.registry.models import User
from dampwatch_api.routes import links

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=200)]
CsrfField = Annotated[str | None, Form()]


def _gone(request: Request, context: ContextDep, error: Refused) -> Response:
    values = {
        "title": "This link does not work",
        "message": f"{str(error).capitalize()}. Please ask us for a new link.",
    }
    return page(request, context, "error.html", values, status_code=404)


@router.get("/invite/{token}")
def invitation(
    request: Request, token: links.TokenPath, session: SessionDep, context: ContextDep
) -> Response:
    """The sign-up form of an invitation."""
    try:
        found = through_api(links.read_invitation, token, session)
    except Refused as error:
        return _gone(request, context, error)
    return page(request, context, "invite.html", {"invitation": found, "token": token})


@router.post("/invite/{token}")
def invitation_accept(
    *,
    request: Request,
    token: links.TokenPath,
    session: SessionDep,
    context: ContextDep,
    username: Field,
    password: Field,
    consent: Annotated[str | None, Form(max_length=5)] = None,
    csrf_token: CsrfField = None,
) -> Response:
    """Create the tenant's sign-in and sign them in."""
    check_csrf(request, context, csrf_token)
    try:
        found = through_api(links.read_invitation, token, session)
    except Refused as error:
        return _gone(request, context, error)
    try:
        body = through_api(
            links.AcceptIn, username=username.strip(), password=password, consent=consent == "yes"
        )
        user = through_api(links.accept, token, body, session, context)
    except Refused as error:
        session.rollback()
        values = {"invitation": found, "token": token, "error": str(error), "username": username}
        return page(request, context, "invite.html", values, status_code=422)
    settings = context.settings
    row = session.scalar(select(User).where(User.username == user.username))
    assert row is not None  # just created by the invitation
    access = create_access_token(
        user.username,
        settings.secret_key.get_secret_value(),
        settings.token_lifetime_s,
        user_id=row.id,
        version=row.token_version,
    )
    response = redirect(f"/homes/{user.home_id}")
    set_session(response, context, access)
    return response


@router.get("/reset/{token}")
def reset_form(request: Request, token: links.TokenPath, context: ContextDep) -> Response:
    """The new-password form."""
    return page(request, context, "reset.html", {"token": token})


@router.post("/reset/{token}")
def reset_done(
    *,
    request: Request,
    token: links.TokenPath,
    session: SessionDep,
    context: ContextDep,
    password: Field,
    csrf_token: CsrfField = None,
) -> Response:
    """Set the new password; then the person signs in with it."""
    check_csrf(request, context, csrf_token)
    try:
        body = through_api(links.NewPasswordIn, password=password)
        through_api(links.set_new_password, token, body, session)
    except Refused as error:
        session.rollback()
        return page(
            request, context, "reset.html", {"token": token, "error": str(error)}, status_code=422
        )
    return redirect("/login?done=password")
