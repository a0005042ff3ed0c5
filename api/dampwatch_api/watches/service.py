"""Open, refresh, clear and link watches from each projection; list them for a caller."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import OPEN_ALERT_CONDITION, Alert
from dampwatch_api.watches.models import Watch

WatchKey = tuple[str, str, str]  # home_id, room, kind


@dataclass(frozen=True)
class Projected:
    """One room and kind as projected now."""

    home_id: str
    room: str
    kind: str
    share: float  # of the scenarios, those reaching the rule within the horizon
    hours_to_rule: float | None  # median hours to the rule among those that reach it
    words: str


@dataclass
class WatchChanges:
    """What one pass changed."""

    opened: int = 0
    cleared: int = 0
    linked: int = 0


def open_watches(
    session: Session, home_ids: Collection[str] | None = None
) -> dict[WatchKey, Watch]:
    """The watches not cleared yet, by home, room and kind (of some homes only)."""
    query = select(Watch).where(Watch.cleared_at.is_(None))
    if home_ids is not None:
        query = query.where(Watch.home_id.in_(home_ids))
    found = session.scalars(query)
    return {(w.home_id, w.room, w.kind): w for w in found}


def link_alerts(
    session: Session,
    changes: WatchChanges | None = None,
    home_ids: Collection[str] | None = None,
) -> int:
    """Close each open watch whose alert has come, linking it and measuring the lead time."""
    linked = 0
    for key, watch in open_watches(session, home_ids).items():
        alert = session.scalar(
            select(Alert)
            .where(
                Alert.home_id == key[0],
                Alert.room == key[1],
                Alert.kind == key[2],
                Alert.opened_at >= watch.opened_at,
            )
            .order_by(Alert.opened_at)
            .limit(1)
        )
        if alert is None:
            continue
        watch.alert_id = alert.id
        watch.cleared_at = alert.opened_at
        watch.lead_hours = (alert.opened_at - watch.opened_at).total_seconds() / 3600.0
        linked += 1
    if changes is not None:
        changes.linked += linked
    session.flush()
    return linked


def _open_alert_keys(session: Session, home_ids: Collection[str] | None) -> set[WatchKey]:
    query = select(Alert.home_id, Alert.room, Alert.kind).where(
        Alert.status != "resolved", Alert.room != ""
    )
    if home_ids is not None:
        query = query.where(Alert.home_id.in_(home_ids))
    rows = session.execute(query)
    assert "resolved" in OPEN_ALERT_CONDITION  # the same notion of open as the alerts'
    return {(home, room, kind) for home, room, kind in rows}


def apply_projection(
    session: Session,
    projected: Sequence[Projected],
    *,
    now: datetime,
    min_share: float,
    clear_after: timedelta,
    home_ids: Collection[str] | None = None,
) -> WatchChanges:
    """Open a watch where enough scenarios reach a rule and no alert of that kind is open;
    refresh the open ones; clear those that have not reached it for `clear_after`.

    `home_ids`: the homes projected (a partition's); other homes' watches are left alone."""
    changes = WatchChanges()
    link_alerts(session, changes, home_ids)
    current = open_watches(session, home_ids)
    alerts = _open_alert_keys(session, home_ids)
    for item in projected:
        key = (item.home_id, item.room, item.kind)
        watch = current.get(key)
        crossing = item.share >= min_share and item.hours_to_rule is not None
        if crossing and key not in alerts:
            expected = now + timedelta(hours=item.hours_to_rule or 0.0)
            if watch is None:
                watch = Watch(
                    home_id=item.home_id,
                    room=item.room,
                    kind=item.kind,
                    opened_at=now,
                    expected_at=expected,
                    share=item.share,
                    words=item.words,
                    last_crossing_at=now,
                )
                session.add(watch)
                current[key] = watch
                changes.opened += 1
            else:
                watch.expected_at, watch.share, watch.words = expected, item.share, item.words
                watch.last_crossing_at = now
        elif watch is not None and now - watch.last_crossing_at >= clear_after:
            watch.cleared_at = now
            changes.cleared += 1
    # A room no longer projected (no readings for a week, or removed) cannot stay watched.
    seen = {(item.home_id, item.room, item.kind) for item in projected}
    for key, watch in current.items():
        stale = now - watch.last_crossing_at >= clear_after
        if key not in seen and watch.cleared_at is None and stale:
            watch.cleared_at = now
            changes.cleared += 1
    session.flush()
    return changes


def list_watches(
    session: Session, home_ids: Sequence[str] | None, *, include_cleared: bool = False
) -> list[Watch]:
    """Watches of these homes (None: every home), open ones unless `include_cleared`."""
    query = select(Watch).order_by(Watch.expected_at, Watch.id)
    if home_ids is not None:
        query = query.where(Watch.home_id.in_(list(home_ids)))
    if not include_cleared:
        query = query.where(Watch.cleared_at.is_(None))
    return list(session.scalars(query))
