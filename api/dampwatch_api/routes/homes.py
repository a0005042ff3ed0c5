"""Homes: list (scoped to the caller), create and delete (admin), read and change (officers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import func, select

from dampwatch_api import erasure
from dampwatch_api.deps import (
    Administrator,
    ContextDep,
    HomeAdminister,
    HomeManage,
    HomeRead,
    SessionDep,
    SignedIn,
)
from dampwatch_api.places.placing import optional_placer, place_home
from dampwatch_api.policy import Action, allowed, visible_homes
from dampwatch_api.registry.models import Home
from dampwatch_api.schemas import HomeIn, HomeOut, HomePatch

router = APIRouter(prefix="/v1/homes", tags=["homes"])


@router.get("", response_model=list[HomeOut])
def list_homes(
    *,
    principal: SignedIn,
    session: SessionDep,
    response: Response,
    portfolio: str | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Home]:
    """The homes the caller may see, by home id; `X-Total-Count` gives the total."""
    query = select(Home).where(visible_homes(principal))
    if portfolio is not None:
        query = query.where(Home.portfolio == portfolio)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    response.headers["X-Total-Count"] = str(total)
    return list(session.scalars(query.order_by(Home.home_id).offset(offset).limit(limit)))


@router.post("", response_model=HomeOut, status_code=status.HTTP_201_CREATED)
def create_home(
    body: HomeIn, principal: Administrator, session: SessionDep, context: ContextDep
) -> Home:
    """Register a home."""
    if session.scalar(select(Home.id).where(Home.home_id == body.home_id)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"home {body.home_id!r} already exists")
    erasure.clear_leftovers(session, context.influx, context.settings, body.home_id)
    home = Home(**body.model_dump())
    session.add(home)
    if (placer := optional_placer(context.settings)) is not None:
        place_home(session, home, placer)
    session.commit()
    context.registry.publish_home(home.home_id)
    return home


@router.get("/{home_id}", response_model=HomeOut)
def get_home(home: HomeRead) -> Home:
    """One home."""
    return home


@router.patch("/{home_id}", response_model=HomeOut)
def update_home(
    body: HomePatch,
    home: HomeManage,
    principal: SignedIn,
    session: SessionDep,
    context: ContextDep,
) -> Home:
    """Change a home's facts; an officer may move it only between their own portfolios."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("portfolio") is not None and not allowed(
        principal, home.home_id, changes["portfolio"], Action.MANAGE
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed to move it to that portfolio")
    for name, value in changes.items():
        if value is None and name in ("address", "postcode", "portfolio", "vulnerabilities"):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} cannot be null")
        setattr(home, name, value)
    if "postcode" in changes and (placer := optional_placer(context.settings)) is not None:
        place_home(session, home, placer)
    session.commit()
    return home


@router.delete("/{home_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_home(
    home: HomeAdminister, principal: SignedIn, session: SessionDep, context: ContextDep
) -> None:
    """Delete a home with everything held about it; its devices lose broker access.

    Its readings, alerts and personal data are erased as by `DELETE .../data` (with the same
    audit record): a home registered later under the same id starts empty.
    """
    home_id = home.home_id
    usernames = [device.mqtt_username for device in home.devices if device.mqtt_username]
    usernames += [gateway.mqtt_username for gateway in home.gateways if gateway.mqtt_username]
    if context.dynsec is not None:
        for username in usernames:
            context.dynsec.revoke(username)
        context.dynsec.remove_home(home_id)
    erasure.forget_home(session, context.influx, context.settings, home, principal.name)
    context.registry.publish_home(home_id)
