"""Sign-in and sign-out pages, and the start page that sends each person to theirs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from dampwatch_api.deps import ContextDep
from dampwatch_api.pages.render import page, redirect
from dampwatch_api.pages.session import (
    SignInRequired,
    check_csrf,
    clear_session,
    page_principal,
    set_session,
)
from dampwatch_api.registry.models import Role
from dampwatch_api.routes.auth import client_of, revoke_tokens, sign_in

router = APIRouter(include_in_schema=False)


def _safe_next(next_path: str | None) -> str:
    # Only paths on this site: never `//elsewhere` or a full URL (an open redirect).
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return next_path
    return "/"


@router.get("/")
def start(request: Request, context: ContextDep) -> Response:
    """Tenants go to their home, staff to the board."""
    principal = page_principal(request, context)
    if principal.role is Role.TENANT and principal.home_id is not None:
        return redirect(f"/homes/{principal.home_id}")
    return redirect("/board")


@router.get("/login")
def login_page(request: Request, context: ContextDep, next: str | None = None) -> Response:
    """The sign-in form."""
    return page(request, context, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(
    *,
    request: Request,
    context: ContextDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Check the password as the API's token endpoint does and keep the token in a cookie."""
    check_csrf(request, context, csrf_token)
    try:
        token = await sign_in(context, username, password, client_of(request))
    except HTTPException as error:
        message = (
            "Too many failed attempts. Wait a few minutes and try again."
            if error.status_code == status.HTTP_429_TOO_MANY_REQUESTS
            else "That username and password do not match."
        )
        values = {"next": _safe_next(next), "error": message, "username": username}
        return page(request, context, "login.html", values, status_code=error.status_code)
    response = redirect(_safe_next(next))
    set_session(response, context, token.access_token)
    return response


@router.post("/logout")
async def logout(
    *,
    request: Request,
    context: ContextDep,
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """Sign out: the session's token is revoked on the server, the cookie forgotten."""
    check_csrf(request, context, csrf_token)
    try:
        principal = await run_in_threadpool(page_principal, request, context)
    except SignInRequired:
        principal = None  # already signed out or expired: only the cookie is left to forget
    if principal is not None:
        await run_in_threadpool(revoke_tokens, context, principal)
    response = redirect("/login")
    clear_session(response)
    return response
