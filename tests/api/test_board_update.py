"""Ranking only the homes a change touched gives the same board as ranking everything."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import Alert, AlertEvent
from dampwatch_api.board_update import change_marker, touched_homes
from dampwatch_api.boardcache import RankedBoard, rank, refresh
from dampwatch_api.db.migrate import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.registry.models import Home

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
KINDS = ("mould_risk", "condensation_risk", "cold_home", "device_offline")
SEVERITIES = ("low", "medium", "high", "emergency")


def _alert(rng: random.Random, home: int, index: int) -> Alert:
    opened = NOW - timedelta(hours=rng.randint(1, 400))
    return Alert(
        home_id=f"home-{home:03d}",
        room=f"room-{index}",
        kind=rng.choice(KINDS),
        severity=rng.choice(SEVERITIES),
        status="open",
        opened_at=opened,
        condition_since=opened,
        last_seen_at=NOW - timedelta(hours=2),
        due_by=opened + timedelta(days=14),
        evidence={"text": f"evidence {index}"},
        updated_at=NOW - timedelta(hours=2),
    )


def _seeded(tmp_path: Path) -> Session:
    url = f"sqlite:///{tmp_path / 'board.db'}"
    migrate(url)
    rng = random.Random(3)
    session = make_session_factory(create_db_engine(url))()
    session.add_all(
        Home(
            home_id=f"home-{index:03d}",
            address=f"{index} Test Street",
            postcode="L1 1AA",
            portfolio=f"p{index % 3}",
            vulnerabilities=["over_65"] if index % 5 == 0 else [],
        )
        for index in range(60)
    )
    session.add_all(_alert(rng, rng.randrange(40), index) for index in range(80))
    session.commit()
    return session


def _shown(board: RankedBoard) -> list[tuple[object, ...]]:
    return [
        (row, board.homes[row.home_id], board.last_actions.get(row.home_id)) for row in board.rows
    ]


def test_touched_homes_ranked_again_equal_a_full_ranking(tmp_path: Path) -> None:
    session = _seeded(tmp_path)
    before = change_marker(session)
    full = rank(session, before, NOW)
    # Another process: a severity raised, an alert resolved, an alert on a home new to the
    # board, and an officer's acknowledgement with its audit event.
    changed_at = NOW - timedelta(minutes=1)
    alerts = list(session.scalars(select(Alert).order_by(Alert.id)))
    alerts[0].severity, alerts[0].updated_at = "emergency", changed_at
    alerts[1].status, alerts[1].updated_at = "resolved", changed_at
    acknowledged = alerts[2]
    acknowledged.status, acknowledged.updated_at = "acknowledged", changed_at
    session.add(
        AlertEvent(
            alert=acknowledged,
            at=changed_at,
            actor="officer",
            action="acknowledged",
            status="acknowledged",
        )
    )
    fresh = _alert(random.Random(9), 55, 999)
    fresh.updated_at = changed_at
    session.add(fresh)
    session.commit()
    after = change_marker(session)
    touched = touched_homes(session, before, after)
    expected = {alert.home_id for alert in (*alerts[:3], fresh)}
    assert touched == expected
    updated = refresh(session, full, after, NOW)
    assert updated.marker == after and updated.computed_at == full.computed_at
    assert _shown(updated) == _shown(rank(session, after, NOW))
    assert "home-055" in {row.home_id for row in updated.rows}


def test_a_new_home_ranks_everything_again(tmp_path: Path) -> None:
    session = _seeded(tmp_path)
    before = change_marker(session)
    session.add(Home(home_id="home-new", address="1 New Road", postcode="L2 2BB", portfolio="p0"))
    session.commit()
    assert touched_homes(session, before, change_marker(session)) is None
