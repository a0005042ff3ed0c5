"""Sign-in for pages: the JWT in an HttpOnly cookie, and signed double-submit CSRF tokens.

The cookie carries the same access token `/v1/auth/token` issues, and the caller behind it is
found through the same token lookup the JSON API uses, so pages have no authentication path
of their own. A form's CSRF token signs the browser's CSRF cookie together with its session
cookie: a cookie-and-token pair taken from one session is worth nothing in another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from fastapi import HTTPException, Request, Response, status

from dampwatch_api.auth.principal import Principal
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import resolve_principal

SESSION_COOKIE: Final = "dampwatch_session"
CSRF_COOKIE: Final = "dampwatch_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_BYTES: Final = 32


class SignInRequired(Exception):
    """The page needs a signed-in caller; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """A form POST came without the token of the page it claims to come from."""


def _secure(context: ApiContext) -> bool:
    return context.settings.production


def set_session(response: Response, context: ApiContext, token: str) -> None:
    """Store the access token for later page requests."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=context.settings.token_lifetime_s,
        httponly=True,
        samesite="lax",
        secure=_secure(context),
        path="/",
    )


def clear_session(response: Response) -> None:
    """Forget the access token."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def page_principal(request: Request, context: ApiContext) -> Principal:
    """The signed-in caller of a page, or `SignInRequired`."""
    token = request.cookies.get(SESSION_COOKIE)
    try:
        return resolve_principal(context, token)
    except HTTPException as error:
        if error.status_code == status.HTTP_401_UNAUTHORIZED:
            raise SignInRequired(request.url.path) from error
        raise


def _sign(context: ApiContext, request: Request, value: str) -> str:
    key = context.settings.secret_key.get_secret_value().encode()
    session = hashlib.sha256(request.cookies.get(SESSION_COOKIE, "").encode()).hexdigest()
    message = f"csrf:{session}:{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_cookie_value(request: Request) -> tuple[str, bool]:
    """The browser's CSRF value, or a new one (True when the cookie must still be set)."""
    value = request.cookies.get(CSRF_COOKIE)
    if value:
        return value, False
    return secrets.token_urlsafe(CSRF_BYTES), True


def csrf_token(context: ApiContext, request: Request, value: str) -> str:
    """The token forms carry for the browser's CSRF value in this session."""
    return _sign(context, request, value)


def set_csrf_cookie(response: Response, context: ApiContext, value: str) -> None:
    """Give the browser its CSRF value (unreadable by scripts, never sent cross-site)."""
    response.set_cookie(
        CSRF_COOKIE, value, httponly=True, samesite="strict", secure=_secure(context), path="/"
    )


def check_csrf(request: Request, context: ApiContext, submitted: str | None) -> None:
    """Refuse a form POST whose token does not match the browser's CSRF cookie."""
    value = request.cookies.get(CSRF_COOKIE)
    expected = _sign(context, request, value) if value else ""
    # As bytes: compare_digest refuses a str with characters beyond ASCII.
    if not value or not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfRejected
