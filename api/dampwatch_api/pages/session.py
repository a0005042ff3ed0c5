"""Sign-in for pages: the JWT in an HttpOnly cookie, and signed double-submit CSRF tokens.

The cookie carries the same access token `/v1/auth/token` issues, and the caller behind it is
found through the same token lookup the JSON API uses, so pages have no authentication path
of their own. A page request past half the token's life gets a renewed token (same sign-in id,
`sid`), up to `DAMPWATCH_SESSION_MAX_S` after the password was given: a session lasts while it
is used. A form posted after the session ended is kept and offered again after signing in.
A form's CSRF token signs the browser's CSRF cookie together with the session's sign-in id: a
cookie-and-token pair taken from one session is worth nothing in another, and a renewal (same
sign-in) keeps the page's open forms valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Final

from fastapi import HTTPException, Request, Response, status
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dampwatch_api.auth.principal import Principal
from dampwatch_api.auth.tokens import (
    TokenError,
    create_access_token,
    session_id_of,
    token_claims,
)
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import resolve_principal

SESSION_COOKIE: Final = "dampwatch_session"
CSRF_COOKIE: Final = "dampwatch_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_BYTES: Final = 32
RENEWED: Final = "renewed_session"  # request.state: a renewed token to send back
MAX_RESUME_BYTES: Final = 64_000


class SignInRequired(Exception):
    """The page needs a signed-in caller; answered with the sign-in page."""

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
    """The signed-in caller of a page (renewing their session when due), or `SignInRequired`."""
    token = request.cookies.get(SESSION_COOKIE)
    try:
        principal = resolve_principal(context, token)
    except HTTPException as error:
        if error.status_code == status.HTTP_401_UNAUTHORIZED:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(here) from error
        raise
    if token:
        renew_if_due(request, context, token)
    return principal


def seconds_left(context: ApiContext, token: str | None) -> int:
    """How long the session of `token` has before it ends (0 when it is not valid)."""
    if not token:
        return 0
    try:
        claims = token_claims(token, context.settings.secret_key.get_secret_value())
    except TokenError:
        return 0
    return max(0, int((claims.expires_at - datetime.now(UTC)).total_seconds()))


def renew_if_due(request: Request, context: ApiContext, token: str) -> None:
    """Past half its life, a session token is renewed, until the session's maximum age."""
    settings = context.settings
    secret = settings.secret_key.get_secret_value()
    try:
        claims = token_claims(token, secret)
    except TokenError:
        return
    now = datetime.now(UTC)
    if (claims.expires_at - now).total_seconds() > settings.token_lifetime_s / 2:
        return
    left_s = settings.session_max_s - (now - claims.signed_in_at).total_seconds()
    lifetime = int(min(settings.token_lifetime_s, left_s))
    if lifetime <= (claims.expires_at - now).total_seconds():
        return  # the session is at its end: it cannot last longer than it does
    request.state.renewed_session = create_access_token(
        claims.username,
        secret,
        lifetime,
        user_id=claims.user_id,
        version=claims.version,
        session_id=claims.session_id,
        signed_in_at=claims.signed_in_at,
    )


class SessionRenewal:
    """ASGI middleware: a response to a request that renewed its session carries the new cookie."""

    def __init__(self, app: ASGIApp, context: ApiContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the renewed cookie to its response's headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            state = scope.get("state") or {}
            token = state.get(RENEWED) if isinstance(state, dict) else None
            if message["type"] == "http.response.start" and token:
                carrier = Response()
                set_session(carrier, self.context, token)
                MutableHeaders(scope=message).append("set-cookie", carrier.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _resume_signature(context: ApiContext, blob: str) -> str:
    return _sign(context, "resume:" + blob)


def resume_token(context: ApiContext, path: str, fields: list[tuple[str, str]]) -> tuple[str, str]:
    """A form that could not be sent, packed and signed to travel through the sign-in form."""
    blob = base64.urlsafe_b64encode(json.dumps([path, fields]).encode()).decode()
    return blob, _resume_signature(context, blob)


def open_resume(
    context: ApiContext, blob: str | None, signature: str | None
) -> tuple[str, list[tuple[str, str]]] | None:
    """The kept form (its path and fields) when the packing is this site's, else None."""
    if not blob or not signature or len(blob) > MAX_RESUME_BYTES:
        return None
    if not hmac.compare_digest(_resume_signature(context, blob), signature):
        return None
    try:
        path, fields = json.loads(base64.urlsafe_b64decode(blob.encode()))
    except (ValueError, TypeError):
        return None
    return str(path), [(str(name), str(value)) for name, value in fields]


NEW_SESSION: Final = "new_session"


def _sign(context: ApiContext, message: str) -> str:
    key = context.settings.secret_key.get_secret_value().encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _sign_in_id(context: ApiContext, request: Request) -> str:
    """The session cookie's sign-in id (`sid`), its signature checked but not its expiry: an
    expired session's form still carries a valid token, so it can be kept through signing in."""
    # A response that signs someone in renders its forms for the session it is starting.
    token = getattr(request.state, NEW_SESSION, None) or request.cookies.get(SESSION_COOKIE)
    if not token:
        return ""
    try:
        return session_id_of(token, context.settings.secret_key.get_secret_value())
    except TokenError:
        return ""


def _csrf_signature(context: ApiContext, request: Request, value: str) -> str:
    return _sign(context, f"csrf:{_sign_in_id(context, request)}:{value}")


def csrf_cookie_value(request: Request) -> tuple[str, bool]:
    """The browser's CSRF value, or a new one (True when the cookie must still be set)."""
    value = request.cookies.get(CSRF_COOKIE)
    if value:
        return value, False
    return secrets.token_urlsafe(CSRF_BYTES), True


def csrf_token(context: ApiContext, request: Request, value: str) -> str:
    """The token forms carry for the browser's CSRF value in this session."""
    return _csrf_signature(context, request, value)


def set_csrf_cookie(response: Response, context: ApiContext, value: str) -> None:
    """Give the browser its CSRF value (unreadable by scripts, never sent cross-site)."""
    response.set_cookie(
        CSRF_COOKIE, value, httponly=True, samesite="strict", secure=_secure(context), path="/"
    )


def check_csrf(request: Request, context: ApiContext, submitted: str | None) -> None:
    """Refuse a form POST whose token does not match the browser's CSRF cookie."""
    value = request.cookies.get(CSRF_COOKIE)
    expected = _csrf_signature(context, request, value) if value else ""
    # As bytes: compare_digest refuses a str with characters beyond ASCII.
    if not value or not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        if value and submitted and not request.cookies.get(SESSION_COOKIE):
            # The session cookie is gone (it ended), so the token's sign-in cannot be checked
            # and the form can do nothing: sign in first, its text kept but never replayed.
            raise SignInRequired(request.url.path)
        raise CsrfRejected
