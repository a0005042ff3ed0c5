"""Users (admin only), and `/v1/users/me` for everyone signed in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import select

from dampwatch_api.auth.passwords import hash_password
from dampwatch_api.auth.principal import Principal
from dampwatch_api.deps import Administrator, SessionDep, SignedIn
from dampwatch_api.registry.models import Home, Role, User
from dampwatch_api.schemas import UserIn, UserOut, UserPatch

router = APIRouter(prefix="/v1/users", tags=["users"])
UsernamePath = Annotated[str, Path(min_length=1, max_length=100)]


def user_out(user: User) -> UserOut:
    """The response form of a user."""
    return UserOut(
        username=user.username,
        role=Role(user.role),
        portfolios=list(user.portfolios or []),
        home_id=user.home.home_id if user.home is not None else None,
        active=user.active,
        created_at=user.created_at,
    )


def _user(session: SessionDep, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {username!r} not found")
    return user


@router.get("/me", response_model=UserOut)
def who_am_i(principal: SignedIn, session: SessionDep) -> UserOut:
    """The signed-in user (API keys describe themselves)."""
    if principal.user_pk is None:
        return _describe_key(principal)
    return user_out(_user(session, principal.name))


def _describe_key(principal: Principal) -> UserOut:
    from datetime import UTC, datetime  # noqa: PLC0415

    return UserOut(
        username=principal.name,
        role=principal.role,
        portfolios=sorted(principal.portfolios),
        home_id=principal.home_id,
        active=True,
        created_at=datetime.now(UTC),
    )


@router.get("", response_model=list[UserOut])
def list_users(principal: Administrator, session: SessionDep) -> list[UserOut]:
    """Every user."""
    return [user_out(u) for u in session.scalars(select(User).order_by(User.username))]


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, principal: Administrator, session: SessionDep) -> UserOut:
    """Create a user: tenants need a home, officers portfolios."""
    if session.scalar(select(User.id).where(User.username == body.username)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"user {body.username!r} already exists")
    home: Home | None = None
    if body.role is Role.TENANT:
        if body.home_id is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a tenant needs home_id")
        home = session.scalar(select(Home).where(Home.home_id == body.home_id))
        if home is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown home_id")
    elif body.home_id is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "only tenants have a home")
    if body.portfolios and body.role is not Role.OFFICER:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "only officers have portfolios")
    user = User(
        username=body.username,
        password_hash=hash_password(body.password),
        role=body.role.value,
        portfolios=sorted(set(body.portfolios)),
        home=home,
    )
    session.add(user)
    session.commit()
    return user_out(user)


@router.get("/{username}", response_model=UserOut)
def get_user(username: UsernamePath, principal: Administrator, session: SessionDep) -> UserOut:
    """One user."""
    return user_out(_user(session, username))


@router.patch("/{username}", response_model=UserOut)
def update_user(
    username: UsernamePath, body: UserPatch, principal: Administrator, session: SessionDep
) -> UserOut:
    """Change a password, portfolios, or deactivate a user."""
    user = _user(session, username)
    if body.password is not None:
        user.password_hash = hash_password(body.password)
        user.token_version += 1  # a new password ends the sessions signed in with the old one
    if body.portfolios is not None:
        if user.role != Role.OFFICER:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "only officers have portfolios"
            )
        user.portfolios = sorted(set(body.portfolios))
    if body.active is not None:
        user.active = body.active
    session.commit()
    return user_out(user)


@router.delete("/{username}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(username: UsernamePath, principal: Administrator, session: SessionDep) -> None:
    """Delete a user (their tokens stop working at once)."""
    if username == principal.name:
        raise HTTPException(status.HTTP_409_CONFLICT, "you cannot delete yourself")
    session.delete(_user(session, username))
    session.commit()
