"""Prediction tests: a seeded API on SQLite or a private PostgreSQL database, with a register of
simulated homes in two portfolios and a stored prediction run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from dampwatch.prediction.features import HomeRow
from dampwatch_api.auth.tokens import create_access_token
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.predict.store import store_run
from dampwatch_api.registry.models import Home, Role, Tenant, User
from dampwatch_sim.stock import made_up_places, simulate_stock
from tests.api.conftest import Api, api_settings, seed, start_api
from tests.support.postgres import temporary_database

HOMES = 400
MONITORED_EVERY = 2  # every second home has sensors
OPTED_OUT = "stock-3-000000"  # a home whose tenant opted out of statistics


def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own."""
    return temporary_database("dampwatch_predict")


def portfolio_of(number: int) -> str:
    """Alternate portfolios so that both hold homes in the same areas."""
    return "north" if number % 4 < 2 else "south"


def seed_register(url: str) -> None:
    """Simulated homes in both portfolios, their outcomes for half, and one prediction run."""
    engine = create_db_engine(url)
    sessions = make_session_factory(engine)
    # Few, full areas (10 MSOAs of 4 LSOAs), so that area totals show beside withheld ones.
    places = made_up_places(np.random.default_rng(3), msoas=10, per_msoa=4)
    stock = simulate_stock(HOMES, seed=3, places=places)
    with sessions() as session:
        homes = [
            Home(
                home_id=home.home_id,
                address=f"{i} Test Street",
                postcode=home.place.postcode,
                portfolio=portfolio_of(i),
            )
            for i, home in enumerate(stock)
        ]
        session.add_all(homes)
        session.flush()
        pks = {home.home_id: home.id for home in session.scalars(select(Home))}
        rows = [HomeRow(h.facts, h.place.imd_decile, h.place.lsoa, h.place.msoa) for h in stock]
        watched = stock[::MONITORED_EVERY]
        outcomes = {
            "damp": {home.home_id: home.damp for home in watched},
            "cold": {home.home_id: home.cold for home in watched},
        }
        # A tenant of one home in the fullest MSOA leaves the home out of statistics.
        session.add(Tenant(home_pk=pks[OPTED_OUT], name="Opted Out", statistics=False))
        store_run(session, rows, pks, outcomes, datetime(2026, 10, 1, tzinfo=UTC), seed=3)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def predicted_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database with the seeded users and a stored prediction run (read only)."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('db') / 'predict.db'}"])
    else:
        urls = postgres_url()
    for url in urls:
        migrate(url)
        seed(url)
        seed_register(url)
        yield url


@pytest.fixture
def papi(predicted_url: str, tmp_path: Path) -> Iterator[Api]:
    """The API on the parametrised database, with an analyst of the data office signed in."""
    for api in start_api(api_settings(predicted_url, tmp_path)):
        context = api.client.app.state.context  # type: ignore[attr-defined]
        with context.sessions() as session:
            analyst = session.scalar(select(User).where(User.username == "analyst"))
            if analyst is None:
                analyst = User(username="analyst", password_hash="x", role=Role.ANALYST.value)
                session.add(analyst)
                session.commit()
            user_id = analyst.id
        secret = api.settings.secret_key.get_secret_value()
        api.tokens["analyst"] = create_access_token("analyst", secret, 600, user_id=user_id)
        yield api


@pytest.fixture
def empty_api(tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite before any prediction run."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(url)
    seed(url)
    yield from start_api(api_settings(url, tmp_path))
