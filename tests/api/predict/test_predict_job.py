"""`dampwatch predict` on SQLite and PostgreSQL: the register's facts and places from SQL, the
monitored homes' outcomes from their devices and alerts, one stored run replacing the last."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, inspect, select

from dampwatch.settings import DatabaseSettings
from dampwatch_api.alerts.models import Alert
from dampwatch_api.db import migrate
from dampwatch_api.db.migrate import alembic_config
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.places.models import HomePlace, HomeStockFacts
from dampwatch_api.predict import main as predict_main
from dampwatch_api.predict.models import Prediction, PredictionRun
from dampwatch_api.predict.outcomes import winter_start
from dampwatch_api.registry.models import Device, Home
from dampwatch_sim.stock import SimulatedHome, simulate_stock
from tests.api.predict.conftest import postgres_url

NOW = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
HOMES = 300


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty platform database."""
    urls = (
        iter([f"sqlite:///{tmp_path / 'job.db'}"]) if request.param == "sqlite" else postgres_url()
    )
    for found in urls:
        migrate(found)
        yield found


def _alert(home_id: str, kind: str, since: datetime) -> Alert:
    return Alert(
        home_id=home_id, kind=kind, severity="high", condition_since=since, last_seen_at=since
    )


def register(url: str, stock: list[SimulatedHome], *, hazards: bool = True) -> set[str]:
    """Homes with facts and places; every third with a sensor and the alerts its truth raises;
    a removed sensor and a resolved alert from last winter that must not count."""
    engine = create_db_engine(url)
    watched: set[str] = set()
    with make_session_factory(engine)() as session:
        for number, simulated in enumerate(stock):
            facts, place = simulated.facts, simulated.place
            home = Home(home_id=facts.home_id, address="x", postcode=place.postcode, portfolio="p")
            session.add(home)
            session.flush()
            session.add(
                HomePlace(
                    home_pk=home.id,
                    postcode=place.postcode,
                    lsoa=place.lsoa,
                    msoa=place.msoa,
                    imd_decile=place.imd_decile,
                )
            )
            if number % 7:  # some homes have no stock facts at all
                session.add(
                    HomeStockFacts(
                        home_pk=home.id,
                        imported_by="test",
                        energy_band=facts.energy_band,
                        property_type=facts.property_type,
                        built_form=facts.built_form,
                        age_band=facts.age_band,
                        wall_type=facts.wall_type,
                        main_heating=facts.main_heating,
                        floor_area_m2=facts.floor_area_m2,
                    )
                )
            if number % 3 == 0:
                watched.add(facts.home_id)
                session.add(Device(home_pk=home.id, device_id="d1", device_type="t"))
                if hazards and simulated.damp:
                    session.add(_alert(facts.home_id, "condensation_risk", NOW - timedelta(days=9)))
                if hazards and simulated.cold:
                    session.add(_alert(facts.home_id, "cold_home", NOW - timedelta(days=20)))
            elif number % 3 == 1:
                old = NOW - timedelta(days=400)
                session.add(
                    Device(home_pk=home.id, device_id="old", device_type="t", removed_at=old)
                )
                stale = _alert(facts.home_id, "mould_risk", old)
                stale.status, stale.resolved_at = "resolved", old + timedelta(days=5)
                session.add(stale)
        session.commit()
    engine.dispose()
    return watched


def test_the_job_scores_every_home_from_sql(url: str) -> None:
    stock = simulate_stock(HOMES, seed=11)
    watched = register(url, stock)
    settings = DatabaseSettings(database_url=url)
    first = predict_main.run(settings, seed=1, now=NOW)
    run = predict_main.run(settings, seed=1, now=NOW)
    assert run.winter_start == datetime(2026, 10, 1, tzinfo=UTC)
    truth = {h.home_id: h for h in stock}
    for kind in ("damp", "cold"):
        assert run.summary[kind]["monitored"] == len(watched)
        expected = sum(getattr(truth[h], kind) for h in watched)
        assert run.summary[kind]["hazards"] == expected
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(PredictionRun)) == 1
        assert session.get(PredictionRun, first.id) is None
        rows = session.scalars(select(Prediction)).all()
        assert len(rows) == 2 * HOMES
        monitored = {row.home.home_id for row in rows if row.monitored}
        assert monitored == watched
        for kind in ("damp", "cold"):
            ranks = sorted(row.rank for row in rows if row.kind == kind)
            assert ranks == list(range(1, HOMES + 1))
        assert all(0.0 <= row.probability <= 1.0 and row.reasons for row in rows)
    engine.dispose()


def test_a_kind_without_enough_hazards_is_reported_not_guessed(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    register(url, simulate_stock(60, seed=12), hazards=False)
    monkeypatch.setenv("DAMPWATCH_DATABASE_URL", url)
    assert predict_main.main([]) == 1
    out = capsys.readouterr().out
    assert "damp: not trained: damp: 0 of 20 monitored homes had the hazard" in out
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Prediction)) == 0
    engine.dispose()


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (datetime(2026, 12, 6, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
        (datetime(2027, 3, 31, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
        (datetime(2026, 9, 30, 23, tzinfo=UTC), datetime(2025, 10, 1, tzinfo=UTC)),
        (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
    ],
)
def test_the_winter_starts_on_the_first_of_october(now: datetime, start: datetime) -> None:
    assert winter_start(now) == start


def test_the_api_serves_predictions_without_loading_the_model_libraries() -> None:
    code = (
        "import sys, dampwatch_api.app, dampwatch_api.routes.predictions;"
        "print(sorted(m for m in ('lightgbm', 'sklearn') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_the_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "heads")
    command.downgrade(config, "prediction@base")
    engine = create_engine(url)
    try:
        assert not {"predictions", "prediction_runs"} & set(inspect(engine).get_table_names())
        command.upgrade(config, "heads")
        assert {"predictions", "prediction_runs"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
