"""Run the Alembic migrations programmatically (no alembic.ini): `upgrade heads` of every branch."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from dampwatch_api.db.session import create_db_engine, normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Every module that declares tables, so autogenerate sees one complete metadata.
MODEL_MODULES = (
    "dampwatch_api.registry.models",
    "dampwatch_api.onetime",
    "dampwatch_api.alerts.models",
    "dampwatch_api.assess.partitions",
    "dampwatch_api.watches.models",
    "dampwatch_api.erasure",
    "dampwatch_api.cases.models",
    "dampwatch_api.webhooks.models",
    "dampwatch_api.auth.ratelimit",
    "dampwatch_api.predict.models",
    "dampwatch_api.places.models",
)


def load_models() -> None:
    """Import the model modules present in this installation."""
    for name in MODEL_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the parent package is not installed
            found = False
        if found:
            importlib.import_module(name)


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    # Alembic's ini parser treats `%` as interpolation.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate_engine(engine: Engine, revision: str = "heads") -> None:
    """Upgrade the database behind `engine` (sharing its connection, so in-memory SQLite works)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def migrate(url: str, revision: str = "heads") -> None:
    """Upgrade the database at `url` to the newest revision of every branch."""
    engine = create_db_engine(url)
    try:
        migrate_engine(engine, revision)
    finally:
        engine.dispose()
