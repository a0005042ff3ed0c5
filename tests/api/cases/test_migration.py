"""The casework migration matches the models on SQLite and PostgreSQL, and goes down and up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from dampwatch_api.db.base import Base
from dampwatch_api.db.migrate import alembic_config, load_models

TABLES = {
    "cases",
    "case_alerts",
    "case_steps",
    "case_duties",
    "webhook_subscriptions",
    "webhook_outbox",
    "webhook_deliveries",
    "worker_leases",
}


def _differences(url: str) -> list[object]:
    load_models()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_the_migration_matches_the_models(database_url: str) -> None:
    # `database_url` is migrated already (SQLite, then PostgreSQL).
    assert _differences(database_url) == []
    engine = create_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        columns = {column["name"] for column in inspect(engine).get_columns("alert_events")}
        assert "relayed" in columns
    finally:
        engine.dispose()


def test_the_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "heads")
    command.downgrade(config, "a5e7c1d20002")
    engine = create_engine(url)
    try:
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    command.upgrade(config, "heads")
    assert _differences(url) == []
