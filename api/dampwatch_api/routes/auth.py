"""OAuth2 password flow: a short-lived JWT for a username and password; sign-out revokes it."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from dampwatch_api.auth.passwords import verify_password
from dampwatch_api.auth.principal import Principal
from dampwatch_api.auth.tokens import create_access_token
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import ContextDep, SignedIn
from dampwatch_api.registry.models import User
from dampwatch_api.schemas import TokenOut

router = APIRouter(prefix="/v1/auth", tags=["auth"])
WRONG = HTTPException(
    status.HTTP_401_UNAUTHORIZED,
    "wrong username or password",
    headers={"WWW-Authenticate": "Bearer"},
)


def client_of(request: Request) -> str:
    """Where the request comes from (uvicorn puts a trusted proxy's forwarded address here)."""
    return request.client.host if request.client else "unknown"


def _check_password(context: ApiContext, username: str, password: str, client: str) -> User:
    """The user whose password this is, or 401 (blocking: SQL and argon2)."""
    limiter = context.login_limiter
    with context.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        password_hash = user.password_hash if user is not None and user.active else None
        # Verified even for an unknown name, so the answer takes as long either way.
        right = verify_password(password_hash, password)
        if user is not None and right:
            session.expunge(user)
    if user is None or not right:
        limiter.record_failure(username, client)
        raise WRONG
    limiter.reset(username, client)
    return user


async def sign_in(context: ApiContext, username: str, password: str, client: str) -> TokenOut:
    """A token for the right password; 429 for a client over its limits, slower when guessed."""
    verdict = await run_in_threadpool(context.login_limiter.verdict, username, client)
    if verdict.retry_after is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed sign-ins; try again later",
            headers={"Retry-After": str(verdict.retry_after)},
        )
    # The wait costs no worker thread: the event loop answers other requests meanwhile.
    await asyncio.sleep(verdict.delay_s)
    user = await run_in_threadpool(_check_password, context, username, password, client)
    settings = context.settings
    token = create_access_token(
        user.username,
        settings.secret_key.get_secret_value(),
        settings.token_lifetime_s,
        user_id=user.id,
        version=user.token_version,
    )
    return TokenOut(access_token=token, expires_in=settings.token_lifetime_s)


@router.post(
    "/token",
    response_model=TokenOut,
    responses={401: {"description": "wrong credentials"}, 429: {"description": "too many"}},
)
async def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, context: ContextDep
) -> TokenOut:
    """Exchange a username and password for an access token."""
    return await sign_in(context, form.username, form.password, client_of(request))


def revoke_tokens(context: ApiContext, principal: Principal) -> None:
    """Make every token the principal's user holds invalid at once (blocking: SQL)."""
    if principal.user_pk is None:
        return  # an API key: revoked through /v1/apikeys
    with context.sessions() as session:
        session.execute(
            update(User)
            .where(User.id == principal.user_pk)
            .values(token_version=User.token_version + 1)
        )
        session.commit()
    context.principals.clear()


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def sign_out(principal: SignedIn, context: ContextDep) -> Response:
    """Sign out: every access token of the caller stops working, on every worker within 5 s."""
    if principal.via_api_key:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "an API key is revoked with DELETE /v1/apikeys/{id}"
        )
    await run_in_threadpool(revoke_tokens, context, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
