"""Casework tests: a seeded API on SQLite or PostgreSQL, alerts raised as the assessment raises
them, and the casework worker driven pass by pass on a clock the test moves."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity
from dampwatch_api.alerts.raising import raise_or_update
from dampwatch_api.db import migrate
from dampwatch_api.worker.loop import CaseworkWorker
from tests.api.conftest import Api, api_settings, seed, start_api
from tests.support.postgres import temporary_database


@dataclass
class Clock:
    """A clock the test moves; starts at the real time."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own."""
    return temporary_database("dampwatch_cases")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, seeded database: SQLite in a file, or a private PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
        migrate(url)
        seed(url)
        yield url
        return
    for url in _postgres_url():
        migrate(url)
        seed(url)
        yield url


def casework_api(url: str, tmp_path: Path, **overrides: Any) -> Iterator[Api]:
    """A running API on `url` whose settings also drive the worker."""
    values: dict[str, Any] = {"contact_phone": "0117 000 0000"} | overrides
    yield from start_api(api_settings(url, tmp_path, **values))


@pytest.fixture
def capi(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The API on the parametrised database."""
    yield from casework_api(database_url, tmp_path)


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite only (for tests whose database makes no difference)."""
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate(url)
    seed(url)
    yield from casework_api(url, tmp_path)


def raise_alert(
    api: Api,
    home_id: str,
    room: str,
    kind: AlertKind,
    severity: Severity,
    at: datetime,
    text: str = "The bathroom wall was damp for 90 of the last 168 hours.",
) -> int:
    """Open (or refresh) an alert as the assessment job does, committed."""
    finding = Finding(
        home_id=home_id,
        room=room,
        kind=kind,
        severity=severity,
        evidence=Evidence(text, 168, "BS 5250", {"hours_surface80_7d": 90.0}),
        condition_since=at - timedelta(days=3),
    )
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        alert = raise_or_update(session, finding, at)
        session.commit()
        return alert.id


def worker(api: Api, clock: Clock, **overrides: Any) -> CaseworkWorker:
    """The casework worker on the API's database and settings, on the test's clock."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    settings = context.settings.model_copy(update=overrides) if overrides else context.settings
    return CaseworkWorker(settings, context.sessions, clock=clock)
