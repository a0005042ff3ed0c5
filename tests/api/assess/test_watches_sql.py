"""Watches in SQL: opened from a projection, refreshed, cleared after the hold-off, linked to
the alert that follows (lead time), never beside an open alert of their kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import Alert
from dampwatch_api.watches.models import Watch
from dampwatch_api.watches.service import Projected, apply_projection, link_alerts, list_watches

NOW = datetime(2026, 1, 20, 12, tzinfo=UTC)
CLEAR_AFTER = timedelta(hours=24)
WORDS = (
    "If the bedroom 1 carries on like the last three days, it will meet the damp rule in about "
    "4 days."
)


def projected(
    share: float, hours: float | None = 96.0, kind: str = "condensation_risk"
) -> Projected:
    return Projected("h-1", "bedroom-1", kind, share, hours, WORDS if hours else "not heading")


def alert(session: Session, kind: str, opened_at: datetime) -> Alert:
    found = Alert(
        home_id="h-1",
        room="bedroom-1",
        kind=kind,
        severity="medium",
        status="open",
        opened_at=opened_at,
        condition_since=opened_at,
        last_seen_at=opened_at,
        evidence={"text": "damp"},
    )
    session.add(found)
    session.flush()
    return found


def test_a_watch_opens_refreshes_and_links_to_its_alert_with_the_lead_time(
    session: Session,
) -> None:
    changes = apply_projection(
        session, [projected(0.75)], now=NOW, min_share=0.5, clear_after=CLEAR_AFTER
    )
    assert changes.opened == 1
    later = NOW + timedelta(hours=6)
    apply_projection(
        session, [projected(1.0, 60.0)], now=later, min_share=0.5, clear_after=CLEAR_AFTER
    )
    (watch,) = list_watches(session, ["h-1"])
    assert watch.opened_at == NOW and watch.share == 1.0
    assert watch.expected_at == later + timedelta(hours=60) and watch.words == WORDS
    raised = alert(session, "condensation_risk", NOW + timedelta(hours=70))
    assert link_alerts(session) == 1
    session.commit()
    linked = session.scalars(select(Watch)).one()
    assert linked.alert_id == raised.id and linked.cleared_at == raised.opened_at
    assert linked.lead_hours == pytest.approx(70.0)
    assert list_watches(session, ["h-1"]) == []
    assert list_watches(session, ["h-1"], include_cleared=True) == [linked]
    # With the alert open, the same projection opens no new watch of its kind.
    again = apply_projection(
        session,
        [projected(1.0)],
        now=NOW + timedelta(hours=72),
        min_share=0.5,
        clear_after=CLEAR_AFTER,
    )
    assert again.opened == 0


def test_a_watch_needs_the_share_and_clears_after_the_hold_off(session: Session) -> None:
    low = apply_projection(
        session, [projected(0.25)], now=NOW, min_share=0.5, clear_after=CLEAR_AFTER
    )
    assert low.opened == 0
    apply_projection(session, [projected(0.5)], now=NOW, min_share=0.5, clear_after=CLEAR_AFTER)
    for hours in (6, 12, 18):  # not crossing any more, but within the hold-off
        changes = apply_projection(
            session,
            [projected(0.0, None)],
            now=NOW + timedelta(hours=hours),
            min_share=0.5,
            clear_after=CLEAR_AFTER,
        )
        assert changes.cleared == 0
    changes = apply_projection(
        session,
        [projected(0.0, None)],
        now=NOW + timedelta(hours=24),
        min_share=0.5,
        clear_after=CLEAR_AFTER,
    )
    assert changes.cleared == 1
    # A room that stops being projected at all (its sensor silent for a week) clears too.
    apply_projection(
        session,
        [projected(1.0, 90.0, "cold_home")],
        now=NOW,
        min_share=0.5,
        clear_after=CLEAR_AFTER,
    )
    gone = apply_projection(
        session, [], now=NOW + timedelta(hours=24), min_share=0.5, clear_after=CLEAR_AFTER
    )
    assert gone.cleared == 1
    (watch,) = [
        w for w in list_watches(session, None, include_cleared=True) if w.kind != "cold_home"
    ]
    assert watch.cleared_at == NOW + timedelta(hours=24) and watch.alert_id is None
    # An alert after the watch cleared is not the watch's.
    alert(session, "condensation_risk", NOW + timedelta(hours=30))
    assert link_alerts(session) == 0


def test_an_alert_of_another_kind_does_not_take_the_watch(session: Session) -> None:
    apply_projection(
        session,
        [projected(1.0, 90.0, "mould_risk")],
        now=NOW,
        min_share=0.5,
        clear_after=CLEAR_AFTER,
    )
    alert(session, "condensation_risk", NOW + timedelta(hours=2))
    assert link_alerts(session) == 0
    assert [w.kind for w in list_watches(session, ["h-1"])] == ["mould_risk"]


def test_one_open_watch_per_room_and_kind(session: Session) -> None:
    for _ in range(2):
        session.add(
            Watch(
                home_id="h-1",
                room="bedroom-1",
                kind="cold_home",
                opened_at=NOW,
                expected_at=NOW,
                share=1.0,
                words="w",
                last_crossing_at=NOW,
            )
        )
    with pytest.raises(IntegrityError):
        session.flush()
