"""OAuth2 password flow: a short-lived JWT for a username and password, rate-limited on failure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from dampwatch_api.auth.passwords import verify_password
from dampwatch_api.auth.tokens import create_access_token
from dampwatch_api.deps import ContextDep, SessionDep
from dampwatch_api.registry.models import User
from dampwatch_api.schemas import TokenOut

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenOut,
    responses={401: {"description": "wrong credentials"}, 429: {"description": "too many"}},
)
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    context: ContextDep,
) -> TokenOut:
    """Exchange a username and password for an access token."""
    client = request.client.host if request.client else "unknown"
    limiter = context.login_limiter
    retry_after = limiter.retry_after(form.username, client)
    if retry_after is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed sign-ins; try again later",
            headers={"Retry-After": str(retry_after)},
        )
    user = session.scalar(select(User).where(User.username == form.username))
    password_hash = user.password_hash if user is not None and user.active else None
    if not verify_password(password_hash, form.password):
        limiter.record_failure(form.username, client)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limiter.reset(form.username, client)
    settings = context.settings
    token = create_access_token(
        form.username, settings.secret_key.get_secret_value(), settings.token_lifetime_s
    )
    return TokenOut(access_token=token, expires_in=settings.token_lifetime_s)
