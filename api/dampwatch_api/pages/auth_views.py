"""Sign-in and sign-out pages, the start page, and the session's keep-alive for open pages."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from dampwatch_api.deps import ContextDep
from dampwatch_api.pages.render import is_page_path, page, redirect
from dampwatch_api.pages.session import (
    NEW_SESSION,
    SESSION_COOKIE,
    SignInRequired,
    check_csrf,
    clear_session,
    open_resume,
    page_principal,
    seconds_left,
    set_session,
)
from dampwatch_api.registry.models import Role
from dampwatch_api.routes.auth import client_of, revoke_tokens, sign_in

router = APIRouter(include_in_schema=False)
# Fields a kept form shows for checking before it is sent again; the others travel hidden.
VISIBLE_FIELDS: Final = {"text": "Note", "reason": "Why it is resolved"}


def _gettable(request: Request, path: str) -> bool:
    """A page a browser can open (a form's action is not one: a GET there is 405)."""
    scope = {"type": "http", "path": path.split("?", 1)[0], "method": "GET"}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def _safe_next(request: Request, next_path: str | None) -> str:
    # Only paths on this site (never `//elsewhere` or a full URL: an open redirect), and only
    # pages: signing in again never lands on a form's address.
    if (
        next_path
        and next_path.startswith("/")
        and not next_path.startswith(("//", "/\\"))
        and is_page_path(next_path)
        and _gettable(request, next_path)
    ):
        return next_path
    return "/"


@router.get("/")
def start(request: Request, context: ContextDep) -> Response:
    """Tenants go to their home, staff to the board."""
    principal = page_principal(request, context)
    if principal.role is Role.TENANT and principal.home_id is not None:
        return redirect(f"/homes/{principal.home_id}")
    if principal.role is Role.ANALYST:
        return redirect("/region")
    return redirect("/board")


@router.get("/login")
def login_page(
    request: Request, context: ContextDep, next: str | None = None, done: str | None = None
) -> Response:
    """The sign-in form."""
    values = {"next": _safe_next(request, next), "error": None, "password_set": done == "password"}
    return page(request, context, "login.html", values)


@router.get("/session")
def session_state(request: Request, context: ContextDep) -> Response:
    """Keep-alive of open pages: renews a session in use; 401 once it has ended."""
    try:
        page_principal(request, context)
    except SignInRequired:
        return JSONResponse({"signed_in": False}, status_code=status.HTTP_401_UNAUTHORIZED)
    token = getattr(request.state, "renewed_session", None) or request.cookies.get(SESSION_COOKIE)
    left = seconds_left(context, token)
    return JSONResponse(
        {"signed_in": True, "expires_in": left}, headers={"Cache-Control": "no-store"}
    )


def _resumed(
    request: Request, context: ContextDep, blob: str | None, sig: str | None
) -> Response | None:
    """The kept form, to check and send again, when the sign-in carried one."""
    kept = open_resume(context, blob, sig)
    if kept is None:
        return None
    path, fields = kept
    if not is_page_path(path) or _gettable(request, path) or not path.startswith("/homes/"):
        return None
    values = {
        "action": path,
        "shown": [
            (name, VISIBLE_FIELDS[name], value) for name, value in fields if name in VISIBLE_FIELDS
        ],
        "hidden": [(name, value) for name, value in fields if name not in VISIBLE_FIELDS],
        "back": _safe_next(request, "/" + "/".join(path.strip("/").split("/")[:2])),
    }
    return page(request, context, "resume.html", values)


@router.post("/login")
async def login(
    *,
    request: Request,
    context: ContextDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    next: Annotated[str | None, Form(max_length=2000)] = None,
    resume: Annotated[str | None, Form(max_length=64_000)] = None,
    resume_sig: Annotated[str | None, Form(max_length=128)] = None,
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
        values = {
            "next": _safe_next(request, next),
            "error": message,
            "username": username,
            "expired": bool(resume),
            "resume": resume,
            "resume_sig": resume_sig,
        }
        return page(request, context, "login.html", values, status_code=error.status_code)
    setattr(request.state, NEW_SESSION, token.access_token)
    response = _resumed(request, context, resume, resume_sig) or redirect(_safe_next(request, next))
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
