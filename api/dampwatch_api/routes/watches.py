"""Watches: rooms heading for a hazard rule within days, seen through the alerts' policy."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel
from sqlalchemy import select

from dampwatch_api.deps import SessionDep, SignedIn
from dampwatch_api.policy import Action, may, visible_homes
from dampwatch_api.registry.models import Home, Role
from dampwatch_api.watches.models import Watch
from dampwatch_api.watches.service import list_watches

router = APIRouter(prefix="/v1/watches", tags=["watches"])
WatchIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


class WatchOut(BaseModel):
    """An early warning: not an alert, no statutory clock."""

    id: int
    home_id: str
    room: str
    kind: str
    opened_at: datetime
    expected_at: datetime
    share: float
    words: str
    cleared_at: datetime | None
    alert_id: int | None
    lead_hours: float | None


def watch_out(watch: Watch) -> WatchOut:
    """The response form of a watch."""
    return WatchOut(
        id=watch.id,
        home_id=watch.home_id,
        room=watch.room,
        kind=watch.kind,
        opened_at=watch.opened_at,
        expected_at=watch.expected_at,
        share=round(watch.share, 3),
        words=watch.words,
        cleared_at=watch.cleared_at,
        alert_id=watch.alert_id,
        lead_hours=watch.lead_hours,
    )


@router.get("", response_model=list[WatchOut])
def get_watches(
    *,
    principal: SignedIn,
    session: SessionDep,
    home_id: str | None = None,
    include_cleared: Annotated[bool, Query(description="also watches cleared or alerted")] = False,
) -> list[WatchOut]:
    """Watches of the homes the caller may see (open ones unless `include_cleared`)."""
    home_ids: list[str] | None = None
    if principal.role is not Role.ADMIN:
        home_ids = list(session.scalars(select(Home.home_id).where(visible_homes(principal))))
    if home_id is not None:
        if home_ids is not None and home_id not in home_ids:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"home {home_id} not found")
        home_ids = [home_id]
    return [watch_out(w) for w in list_watches(session, home_ids, include_cleared=include_cleared)]


@router.get("/{watch_id}", response_model=WatchOut)
def get_watch(watch_id: WatchIdPath, principal: SignedIn, session: SessionDep) -> WatchOut:
    """One watch, when the caller may read its home (else not found)."""
    watch = session.get(Watch, watch_id)
    home = session.scalar(select(Home).where(Home.home_id == watch.home_id)) if watch else None
    if watch is None or home is None or not may(principal, home, Action.READ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"watch {watch_id} not found")
    return watch_out(watch)
