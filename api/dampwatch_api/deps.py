"""FastAPI dependencies: the session, the caller, and the guards every route declares.

Every non-public route depends on exactly one `Guard` (checked by the tests): `HomeGuard` loads
the home named in the path and asks the policy; `PlatformGuard` asks it without a home.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dampwatch.const import ID_PATTERN
from dampwatch_api.auth.apikeys import find_api_key, hash_key, split_key
from dampwatch_api.auth.principal import Principal
from dampwatch_api.auth.tokens import TokenClaims, TokenError, token_claims
from dampwatch_api.context import ApiContext
from dampwatch_api.policy import (
    Action,
    PredictionView,
    allowed,
    imports_stock_facts,
    may,
    prediction_view,
    sees_protected_aggregates,
    works_on_cases,
)
from dampwatch_api.registry.models import Home, Role, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)
UNAUTHENTICATED = HTTPException(
    status.HTTP_401_UNAUTHORIZED,
    "missing or invalid credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


def get_context(request: Request) -> ApiContext:
    """The running API's context."""
    context: ApiContext = request.app.state.context
    return context


ContextDep = Annotated[ApiContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """A session per request, committed by the route, rolled back on error."""
    with context.sessions() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]


def _principal_of_user(context: ApiContext, username: str) -> Principal | None:
    """The active user named `username` (blocking: SQL)."""
    with context.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            return None
        return Principal(
            name=user.username,
            role=Role(user.role),
            portfolios=frozenset(user.portfolios or []),
            home_id=user.home.home_id if user.home is not None else None,
            user_pk=user.id,
            token_version=user.token_version,
        )


def _principal_of_key(context: ApiContext, key: str) -> Principal | None:
    """The live API key `key`, noting its use (blocking: SQL)."""
    with context.sessions() as session:
        row = find_api_key(session, key)
        if row is None:
            return None
        principal = Principal(
            name=f"apikey:{row.name}",
            role=Role(row.role),
            portfolios=frozenset(row.portfolios or []),
            home_id=row.home.home_id if row.home is not None else None,
            via_api_key=True,
        )
        # Noted when the key is looked up, so at most once per cache lifetime.
        row.last_used_at = datetime.now(UTC)
        session.commit()
        return principal


@dataclass(frozen=True, slots=True)
class _Credential:
    """What a bearer token says about its caller, and how to load the caller from SQL."""

    cache_key: str
    load: Callable[[], Principal | None]
    claims: TokenClaims | None = None  # None for API keys

    def accepts(self, principal: Principal) -> bool:
        """A person's token names this very user and is not older than the user's version."""
        if self.claims is None:
            return True
        return (
            principal.user_pk == self.claims.user_id
            and principal.token_version == self.claims.version
        )

    def newer_than(self, principal: Principal) -> bool:
        """The token was issued after the remembered principal was read (reload it)."""
        return self.claims is not None and self.claims.version > principal.token_version


def _credential(context: ApiContext, token: str | None) -> _Credential:
    """The cache key of a token's caller and how to load it from SQL; 401 for a bad token."""
    if not token:
        raise UNAUTHENTICATED
    if split_key(token) is not None:
        return _Credential(f"key:{hash_key(token)}", partial(_principal_of_key, context, token))
    try:
        claims = token_claims(token, context.settings.secret_key.get_secret_value())
    except TokenError as error:
        raise UNAUTHENTICATED from error
    load = partial(_principal_of_user, context, claims.username)
    return _Credential(f"user:{claims.username}", load, claims)


def _accepted(
    context: ApiContext, credential: _Credential, principal: Principal | None
) -> Principal:
    """The principal once the credential holds for it (remembered for a while), else 401."""
    if principal is None or not credential.accepts(principal):
        raise UNAUTHENTICATED
    context.principals.put(credential.cache_key, principal)
    return principal


def _remembered(context: ApiContext, credential: _Credential) -> Principal | None:
    """The remembered principal, unless the token is newer than what was remembered."""
    principal = context.principals.get(credential.cache_key)
    if principal is None or credential.newer_than(principal):
        return None
    return principal


def resolve_principal(context: ApiContext, token: str | None) -> Principal:
    """The caller named by a token, for code already off the event loop (the pages)."""
    credential = _credential(context, token)
    principal = _remembered(context, credential) or credential.load()
    return _accepted(context, credential, principal)


async def current_principal(
    context: ContextDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    """The caller named by a JWT or an API key, or 401; SQL only when not remembered."""
    credential = _credential(context, token)
    principal = _remembered(context, credential) or await run_in_threadpool(credential.load)
    return _accepted(context, credential, principal)


CurrentUser = Annotated[Principal, Depends(current_principal)]
HomeIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The public home id")]


class Guard:
    """Marker base of the dependencies that authorise a route."""

    action: Action


class HomeGuard(Guard):
    """Loads `{home_id}` and requires `action` on it: 404 when the caller may not see it at all."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def __call__(self, home_id: HomeIdPath, principal: CurrentUser, session: SessionDep) -> Home:
        """The home, once the policy allows the action."""
        home = session.scalar(select(Home).where(Home.home_id == home_id))
        if home is None or not may(principal, home, Action.READ):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"home {home_id!r} not found")
        if not may(principal, home, self.action):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"not allowed to {self.action} here")
        return home


class PlatformGuard(Guard):
    """Requires `action` platform-wide (READ: any signed-in caller; results are scoped later)."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(self, principal: CurrentUser) -> Principal:
        """The caller, once the policy allows the action."""
        if self.action is not Action.READ and not allowed(principal, None, None, self.action):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"not allowed to {self.action}")
        return principal


class CaseworkGuard(Guard):
    """Requires a caller who works on cases (officers, admins); results are scoped later."""

    action = Action.MANAGE

    async def __call__(self, principal: CurrentUser) -> Principal:
        """The caller, once the policy lets them work on cases."""
        if not works_on_cases(principal):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed to work on cases")
        return principal


class PredictionGuard(Guard):
    """Requires a caller who may see predictions per home, or (`areas=True`) per area too."""

    action = Action.READ

    def __init__(self, *, areas: bool) -> None:
        self.views = (
            {PredictionView.HOMES, PredictionView.AREAS} if areas else {PredictionView.HOMES}
        )

    async def __call__(self, principal: CurrentUser) -> Principal:
        """The caller, once the policy shows them predictions at this grain."""
        view = prediction_view(principal)
        if view not in self.views:
            detail = (
                "predictions are shown by area only: use /v1/predictions/areas"
                if view is PredictionView.AREAS
                else "not allowed to see predictions"
            )
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail)
        return principal


class AggregatesGuard(Guard):
    """Requires a caller who reads the protected aggregates finer than the public (the data
    office's analysts, admins); never a home, an address or a person."""

    action = Action.READ

    async def __call__(self, principal: CurrentUser) -> Principal:
        """The caller, once the policy lets them read protected aggregates."""
        if not sees_protected_aggregates(principal):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed to read these tables")
        return principal


class StockImportGuard(Guard):
    """Requires a caller who may import stock facts (officers, admins); rows are checked later."""

    action = Action.MANAGE

    async def __call__(self, principal: CurrentUser) -> Principal:
        """The caller, once the policy lets them import stock facts."""
        if not imports_stock_facts(principal):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed to import stock facts")
        return principal


HomeRead = Annotated[Home, Depends(HomeGuard(Action.READ))]
HomeConsent = Annotated[Home, Depends(HomeGuard(Action.CONSENT))]
HomeManage = Annotated[Home, Depends(HomeGuard(Action.MANAGE))]
HomeAdminister = Annotated[Home, Depends(HomeGuard(Action.ADMINISTER))]
SignedIn = Annotated[Principal, Depends(PlatformGuard(Action.READ))]
Administrator = Annotated[Principal, Depends(PlatformGuard(Action.ADMINISTER))]
Caseworker = Annotated[Principal, Depends(CaseworkGuard())]
PredictionHomes = Annotated[Principal, Depends(PredictionGuard(areas=False))]
PredictionAreas = Annotated[Principal, Depends(PredictionGuard(areas=True))]
Analyst = Annotated[Principal, Depends(AggregatesGuard())]
StockImporter = Annotated[Principal, Depends(StockImportGuard())]
