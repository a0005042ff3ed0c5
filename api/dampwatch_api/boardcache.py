"""The ranked board, computed once per change of the alerts or homes, shared by all callers.

Ranking every open alert on each request would cost tens of milliseconds; the board changes
only when an alert or a home changes, which one cheap query detects (also for changes the
assessment job makes from another process).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import AlertStatus
from dampwatch_api.alerts.board import BoardRow, board
from dampwatch_api.alerts.models import Alert, AlertEvent
from dampwatch_api.registry.models import Home

# The board's clock (overdue, duration points) moves even when nothing changes.
MAX_AGE = timedelta(seconds=60)


@dataclass(frozen=True)
class HomeFacts:
    """What the board shows of a home besides its alerts."""

    address: str
    postcode: str
    portfolio: str
    patch: str | None


@dataclass(frozen=True)
class RankedBoard:
    """All rows, best first, with the facts of their homes."""

    marker: tuple[Any, ...]
    computed_at: datetime
    rows: list[BoardRow]
    homes: dict[str, HomeFacts]


def change_marker(session: Session) -> tuple[Any, ...]:
    """A value that changes whenever an alert, its audit trail or a home changes."""
    alerts = session.execute(
        select(
            func.count(Alert.id), func.max(Alert.updated_at), func.max(Alert.last_seen_at)
        ).where(Alert.status != AlertStatus.RESOLVED.value)
    ).one()
    events = session.scalar(select(func.max(AlertEvent.id)))
    homes = session.execute(select(func.count(Home.id), func.max(Home.id))).one()
    return (*alerts, events, *homes)


class BoardCache:
    """Thread-safe holder of the latest `RankedBoard`."""

    def __init__(self) -> None:
        self._board: RankedBoard | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget the board after a change made through this process."""
        with self._lock:
            self._board = None

    def get(self, session: Session) -> RankedBoard:
        """The current board, recomputed when something changed or it grew old."""
        marker = change_marker(session)
        now = datetime.now(UTC)
        current = self._board
        if current is not None and current.marker == marker and now - current.computed_at < MAX_AGE:
            return current
        with self._lock:
            current = self._board
            if (
                current is not None
                and current.marker == marker
                and now - current.computed_at < MAX_AGE
            ):
                return current
            current = self._compute(session, marker, now)
            self._board = current
            return current

    def _compute(self, session: Session, marker: tuple[Any, ...], now: datetime) -> RankedBoard:
        open_homes = select(Alert.home_id).where(Alert.status != AlertStatus.RESOLVED.value)
        homes = session.execute(
            select(
                Home.home_id,
                Home.address,
                Home.postcode,
                Home.portfolio,
                Home.patch,
                Home.vulnerabilities,
            ).where(Home.home_id.in_(open_homes))
        ).all()
        facts = {row[0]: HomeFacts(row[1], row[2], row[3], row[4]) for row in homes}
        vulnerability = {row[0]: list(row[5] or []) for row in homes}
        rows = board(session, home_ids=None, vulnerability=vulnerability, now=now)
        # Alerts of homes no longer in the registry have nobody to visit.
        rows = [row for row in rows if row.home_id in facts]
        return RankedBoard(marker, now, rows, facts)
