"""The ranked board, computed once per change of the alerts or homes, with its pages as JSON bytes.

Ranking every open alert on each request would cost tens of milliseconds; the board changes
only when an alert or a home changes. One cheap query (the change marker) detects changes made
by other processes, such as the assessment job or another API worker; it runs at most every
`CHECK_INTERVAL_S`, so a board request in between costs no SQL at all. A change made through
this process forgets the board at once (`dampwatch_api.freshness`).
"""

from __future__ import annotations

import hashlib
import heapq
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CompoundSelect, func, select
from sqlalchemy.orm import Session, sessionmaker

from dampwatch.assessment.kinds import AlertStatus
from dampwatch_api.alerts.board import BoardRow, rank_key
from dampwatch_api.alerts.models import Alert, AlertEvent
from dampwatch_api.board_cases import open_case_homes
from dampwatch_api.board_update import (
    Marker,
    change_marker,
    home_facts,
    ranked_rows,
    touched_homes,
    touched_on_board,
)

# The board's clock (overdue, duration points) moves even when nothing changes.
MAX_AGE = timedelta(seconds=60)
# How stale a change made by another process may be before this one sees it.
CHECK_INTERVAL_S = 0.5
# Distinct pages (scope, filters, offset, limit) kept per board.
MAX_PAGES = 1024


@dataclass(frozen=True)
class HomeFacts:
    """What the board shows of a home besides its alerts."""

    address: str
    postcode: str
    portfolio: str
    patch: str | None
    next_duty: tuple[int, str, datetime] | None = None  # (case id, duty, deadline)


@dataclass(frozen=True)
class LastAction:
    """The newest change to any open alert of a home: when, who and what."""

    at: datetime
    actor: str
    action: str


@dataclass(frozen=True)
class BoardPage:
    """One page of the board as sent: JSON bytes, the number of matching homes and an ETag."""

    body: bytes
    total: int
    etag: str

    @classmethod
    def of(cls, body: bytes, total: int) -> BoardPage:
        """A page whose ETag is a digest of its body (equal bodies, equal tags)."""
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(body, total, f'"{digest}"')


@dataclass
class RankedBoard:
    """All rows, best first, with the facts of their homes and the pages built from them."""

    marker: Marker
    computed_at: datetime
    rows: list[BoardRow]
    homes: dict[str, HomeFacts]
    last_actions: dict[str, LastAction] = field(default_factory=dict)
    pages: OrderedDict[Hashable, BoardPage] = field(default_factory=OrderedDict)


def _facts(
    session: Session, on_board: CompoundSelect[Any]
) -> tuple[dict[str, HomeFacts], dict[str, list[str]]]:
    """The facts and vulnerability flags of the homes `on_board` selects."""
    homes, duties = home_facts(session, on_board)
    facts = {row[0]: HomeFacts(row[1], row[2], row[3], row[4], duties.get(row[0])) for row in homes}
    return facts, {row[0]: list(row[5] or []) for row in homes}


def rank(session: Session, marker: Marker, now: datetime) -> RankedBoard:
    """Rank every registered home with open alerts or an open case."""
    open_homes = select(Alert.home_id).where(Alert.status != AlertStatus.RESOLVED.value)
    facts, vulnerability = _facts(session, open_homes.union(open_case_homes()))
    rows = ranked_rows(session, None, vulnerability, now)
    # Alerts of homes no longer in the registry have nobody to visit.
    return RankedBoard(
        marker,
        now,
        [row for row in rows if row.home_id in facts],
        facts,
        last_actions=last_actions(session),
    )


def refresh(session: Session, current: RankedBoard, marker: Marker, now: datetime) -> RankedBoard:
    """The board after the changes since `current`: only the touched homes ranked again.

    The kept rows keep the clock they were ranked at; the board's age (`MAX_AGE`) still ranks
    everything again, so no row's clock is older than that.
    """
    touched = touched_homes(session, current.marker, marker)
    if touched is None:
        return rank(session, marker, now)
    fresh_facts, vulnerability = _facts(session, touched_on_board(touched))
    facts = {k: v for k, v in current.homes.items() if k not in touched} | fresh_facts
    fresh = [
        row for row in ranked_rows(session, touched, vulnerability, now) if row.home_id in facts
    ]
    kept = [row for row in current.rows if row.home_id not in touched]
    actions = {k: v for k, v in current.last_actions.items() if k not in touched}
    return RankedBoard(
        marker,
        current.computed_at,
        list(heapq.merge(kept, fresh, key=rank_key)),
        facts,
        last_actions=actions | last_actions(session, touched),
    )


def last_actions(
    session: Session, home_ids: Collection[str] | None = None
) -> dict[str, LastAction]:
    """The newest audit event of each home's open alerts (one grouped query)."""
    newest = (
        select(func.max(AlertEvent.id))
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(Alert.status != AlertStatus.RESOLVED.value)
        .group_by(Alert.home_id)
    )
    if home_ids is not None:
        newest = newest.where(Alert.home_id.in_(list(home_ids)))
    rows = session.execute(
        select(Alert.home_id, AlertEvent.at, AlertEvent.actor, AlertEvent.action)
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(AlertEvent.id.in_(newest))
    ).all()
    return {row[0]: LastAction(row[1], row[2], row[3]) for row in rows}


class BoardCache:
    """Thread-safe holder of the latest `RankedBoard` and its rendered pages."""

    def __init__(self, check_interval_s: float = CHECK_INTERVAL_S) -> None:
        self.check_interval_s = check_interval_s
        self._board: RankedBoard | None = None
        self._checked_at = float("-inf")  # time.monotonic() of the last marker check
        self._lock = threading.Lock()  # held while checking for changes and ranking
        self._pages_lock = threading.Lock()
        self._generation = 0  # counts invalidations, so a ranking begun before one is not kept

    def invalidate(self) -> None:
        """Forget the board after a change made through this process (read your writes).

        Any change may have been made (a home's address, a user), so everything is ranked
        again; changes made by other processes are found by the marker and touch only their
        homes (`board_update`).
        """
        self._generation += 1
        self._board = None

    def _fresh(self) -> RankedBoard | None:
        current = self._board
        if current is None or time.monotonic() - self._checked_at > self.check_interval_s:
            return None
        if datetime.now(UTC) - current.computed_at >= MAX_AGE:
            return None
        return current

    def cached_page(self, key: Hashable) -> BoardPage | None:
        """The page for `key` of a recently checked board (or of the last, while the next is
        under way), never touching SQL."""
        current = self._fresh() or self._while_refreshing()
        return current.pages.get(key) if current is not None else None

    def _while_refreshing(self) -> RankedBoard | None:
        """The board to serve while another thread checks for changes or ranks anew."""
        current = self._board
        if current is None or not self._lock.locked():
            return None
        return current if datetime.now(UTC) - current.computed_at < MAX_AGE else None

    def current(self, sessions: sessionmaker[Session]) -> RankedBoard:
        """The board, after checking the change marker; re-ranked when something changed.

        Only one thread checks at a time; the others meanwhile serve the board they have, so
        a re-ranking does not hold up every request behind it.
        """
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        if not self._lock.acquire(blocking=False):
            serving = self._while_refreshing()
            if serving is not None:
                return serving
            self._lock.acquire()
        try:
            fresh = self._fresh()
            if fresh is not None:
                return fresh
            generation = self._generation
            with sessions() as session:
                marker = change_marker(session)
                now = datetime.now(UTC)
                current = self._board
                if current is None or now - current.computed_at >= MAX_AGE:
                    current = rank(session, marker, now)
                elif current.marker != marker:
                    current = refresh(session, current, marker, now)
            if generation == self._generation:
                self._board, self._checked_at = current, time.monotonic()
            return current
        finally:
            self._lock.release()

    def page(
        self,
        sessions: sessionmaker[Session],
        key: Hashable,
        render: Callable[[RankedBoard], BoardPage],
    ) -> BoardPage:
        """The page for `key`, rendered from the current board once and then kept (blocking)."""
        current = self.current(sessions)
        with self._pages_lock:
            found = current.pages.get(key)
            if found is not None:
                current.pages.move_to_end(key)
                return found
        rendered = render(current)
        with self._pages_lock:
            current.pages[key] = rendered
            while len(current.pages) > MAX_PAGES:
                current.pages.popitem(last=False)
        return rendered
