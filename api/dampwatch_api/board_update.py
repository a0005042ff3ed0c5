"""Bring a ranked board up to date by ranking again only the homes a change touched.

A change marker (`boardcache.change_marker`) says that something changed; this module says
which homes: alerts updated or seen since the last marker, new audit events, cases and duties
updated. Those homes' rows are ranked again and merged into the kept order; every other row is
kept as it was. A new or removed home, or a change touching too many homes, ranks everything.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Final, NamedTuple

from sqlalchemy import CompoundSelect, func, or_, select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import AlertStatus
from dampwatch_api.alerts.board import BoardRow, board, rank_key
from dampwatch_api.alerts.models import Alert, AlertEvent
from dampwatch_api.board_cases import (
    CASE_DUTIES,
    CASES,
    cleared_case_rows,
    next_duties,
    open_case_homes,
)
from dampwatch_api.registry.models import Home

# Beyond this many touched homes, ranking everything again is as cheap and simpler.
MAX_TOUCHED: Final = 500


class Marker(NamedTuple):
    """What changes whenever an alert, its audit trail, a case or the set of homes changes."""

    open_alerts: int
    alerts_updated: datetime | None
    alerts_seen: datetime | None
    last_event: int | None
    homes: int
    last_home: int | None
    duties_updated: datetime | None
    cases: int
    cases_updated: datetime | None


def change_marker(session: Session) -> Marker:
    """The current marker (five cheap aggregate queries)."""
    alerts = session.execute(
        select(
            func.count(Alert.id), func.max(Alert.updated_at), func.max(Alert.last_seen_at)
        ).where(Alert.status != AlertStatus.RESOLVED.value)
    ).one()
    events = session.scalar(select(func.max(AlertEvent.id)))
    homes = session.execute(select(func.count(Home.id), func.max(Home.id))).one()
    duties = session.scalar(select(func.max(CASE_DUTIES.c.updated_at)))
    cases = session.execute(select(func.count(CASES.c.id), func.max(CASES.c.updated_at))).one()
    return Marker(*alerts, events, *homes, duties, *cases)


def _since(column: Any, moment: datetime | None) -> Any:
    # Strictly later: a cycle of the assessment stamps many rows alike, and taking those again
    # would rank everything at each change. A change stamped before a newer one but committed
    # after it waits for the full ranking at the board's age (`MAX_AGE`), as the marker would.
    return column.is_not(None) if moment is None else column > moment


def touched_homes(session: Session, before: Marker, now: Marker) -> set[str] | None:
    """The homes changed since `before`; None when everything must be ranked again."""
    if (before.homes, before.last_home) != (now.homes, now.last_home):
        return None
    alerts = select(Alert.home_id).where(
        or_(
            _since(Alert.updated_at, before.alerts_updated),
            _since(Alert.last_seen_at, before.alerts_seen),
        )
    )
    events = (
        select(Alert.home_id)
        .join(AlertEvent, AlertEvent.alert_id == Alert.id)
        .where(AlertEvent.id > (before.last_event or 0))
    )
    case_ids = select(CASE_DUTIES.c.case_id).where(
        _since(CASE_DUTIES.c.updated_at, before.duties_updated)
    )
    cases = select(CASES.c.home_id).where(
        or_(_since(CASES.c.updated_at, before.cases_updated), CASES.c.id.in_(case_ids))
    )
    found = set(session.scalars(alerts.union(events, cases)))
    return None if len(found) > MAX_TOUCHED else found


def touched_on_board(home_ids: Collection[str]) -> CompoundSelect[Any]:
    """The touched homes still on the board (open alerts or an open case)."""
    open_homes = select(Alert.home_id).where(
        Alert.status != AlertStatus.RESOLVED.value, Alert.home_id.in_(list(home_ids))
    )
    return open_homes.union(open_case_homes().where(CASES.c.home_id.in_(list(home_ids))))


def home_facts(
    session: Session, on_board: CompoundSelect[Any]
) -> tuple[list[Any], dict[str, tuple[int, str, datetime]]]:
    """The registry rows (id, address, postcode, portfolio, patch, vulnerabilities) and next
    duties of the homes `on_board` selects."""
    homes = session.execute(
        select(
            Home.home_id,
            Home.address,
            Home.postcode,
            Home.portfolio,
            Home.patch,
            Home.vulnerabilities,
        ).where(Home.home_id.in_(on_board))
    ).all()
    return list(homes), next_duties(session, on_board)


def ranked_rows(
    session: Session,
    home_ids: Collection[str] | None,
    vulnerability: dict[str, list[str]],
    now: datetime,
) -> list[BoardRow]:
    """Rows of these homes (None: every home), open alerts first, then cleared open cases."""
    rows = board(session, home_ids=home_ids, vulnerability=vulnerability, now=now)
    skip = {row.home_id for row in rows}
    rows += cleared_case_rows(session, skip, vulnerability, now, only=home_ids)
    rows.sort(key=rank_key)
    return rows
