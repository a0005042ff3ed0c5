"""Watches on the pages: the officers' lane below the board, a tenant's early advice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.advice import advice_for, kind_title
from dampwatch_api.auth.principal import Principal
from dampwatch_api.evidence import room_label, room_names
from dampwatch_api.policy import visible_homes
from dampwatch_api.registry.models import Home
from dampwatch_api.watches.models import Watch
from dampwatch_api.watches.service import list_watches

LANE_SIZE: Final = 100
# What a tenant can change this week, before the flag would come (advice.py's tips, the ones
# about habits: heating, airing, drying washing).
EARLY_TITLES: Final = {
    "mould_risk": "could get mould soon",
    "condensation_risk": "could get damp soon",
    "cold_home": "could get too cold soon",
}


@dataclass(frozen=True)
class LaneLine:
    """One watch as the officers' lane shows it."""

    watch_id: int
    home_id: str
    address: str
    room: str
    kind: str
    expected_at: datetime
    share: float
    words: str


@dataclass(frozen=True)
class EarlyAdvice:
    """A watched room on the tenant's page: what may happen, and what helps this week."""

    room: str
    kind: str
    title: str
    helps: tuple[str, ...]


def watch_lane(
    session: Session, principal: Principal, home_id: str | None = None
) -> list[LaneLine]:
    """Open watches of the homes the officer may see (or of one of them), soonest first.

    One query joins the open watches to the visible homes: the board shows this lane on every
    request, and an administrator sees every home of the estate.
    """
    query = (
        select(Watch, Home.address)
        .join(Home, Home.home_id == Watch.home_id)
        .where(Watch.cleared_at.is_(None), visible_homes(principal))
        .order_by(Watch.expected_at, Watch.id)
        .limit(LANE_SIZE)
    )
    if home_id is not None:
        query = query.where(Watch.home_id == home_id)
    found = session.execute(query).all()
    names = room_names(session, {watch.home_id for watch, _ in found})
    return [
        LaneLine(
            w.id,
            w.home_id,
            address,
            room_label(w.room, names, w.home_id),
            kind_title(w.kind),
            w.expected_at,
            w.share,
            w.words,
        )
        for w, address in found
    ]


def early_advice(session: Session, home_id: str) -> list[EarlyAdvice]:
    """The home's watched rooms in plain words, with what to change this week."""
    watches = list_watches(session, [home_id])
    names = room_names(session, [home_id])
    found = []
    for w in watches:
        room = room_label(w.room, names, home_id)
        title = f"Your {room.lower()} {EARLY_TITLES.get(w.kind, 'may need care soon')}"
        found.append(EarlyAdvice(room, w.kind, title, advice_for(w.kind).helps))
    return found
